// expect:
import type { Response } from "express";

const ALLOWED = new Set(["/", "/home", "/settings"]);

export function goBack(res: Response, to: string): void {
  res.redirect(ALLOWED.has(to) ? to : "/");
}
