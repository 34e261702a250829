// expect:
import jwt, { VerifyOptions } from "jsonwebtoken";

const VERIFY: VerifyOptions = { algorithms: ["RS256"], issuer: "auth.example" };

export function claims(token: string, key: string): unknown {
  const options: VerifyOptions = { ...VERIFY, clockTolerance: 5 };
  return jwt.verify(token, key, options);
}
