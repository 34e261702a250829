// expect: 347
import jwt from "jsonwebtoken";

export function verifySession(token: string, key: string) {
  return jwt.verify(token, key);
}
