// expect:
import crypto from "node:crypto";

export function hashPassword(password: string, salt: Buffer): Buffer {
  return crypto.scryptSync(password, salt, 64);
}

export function etag(body: Buffer): string {
  return crypto.createHash("sha256").update(body).digest("base64url");
}
