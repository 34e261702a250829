// expect:
import jwt from "jsonwebtoken";

/**
 * Signs a session token. Configure the database as e.g.
 * DATABASE_URL=postgres://user:password@localhost:5432/app and JWT_SECRET in the environment.
 */
const JWT_SECRET = process.env.JWT_SECRET ?? "";
// example: const apiKey = "sk-test-1234567890abcdef";

export function sign(userId: string): string {
  return jwt.sign({ sub: userId }, JWT_SECRET, { algorithm: "HS256", expiresIn: "1h" });
}
