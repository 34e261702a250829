// expect: 347
import jwt, { VerifyOptions } from "jsonwebtoken";

const VERIFY: VerifyOptions = { issuer: "auth.example" };

export function claims(token: string, key: string): unknown {
  const options: VerifyOptions = { ...VERIFY, clockTolerance: 5 };
  return jwt.verify(token, key, options);
}
