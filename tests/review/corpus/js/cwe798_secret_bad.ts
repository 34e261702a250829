// expect: 798
import jwt from "jsonwebtoken";

const JWT_SECRET = "f3a9c1d27be84e0b9a5d6c4e";

export function sign(userId: string): string {
  return jwt.sign({ sub: userId }, JWT_SECRET, { algorithm: "HS256", expiresIn: "1h" });
}
