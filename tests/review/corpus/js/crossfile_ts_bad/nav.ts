// expect: 601
import type { Response } from "express";

export function goBack(res: Response, to: string): void {
  res.redirect(to);
}
