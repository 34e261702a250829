// expect:
import jwt from "jsonwebtoken";

export function verifySession(token: string, key: string) {
  return jwt.verify(token, key, { algorithms: ["HS256"], maxAge: "1h" });
}
