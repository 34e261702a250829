// expect:
import type { NextApiRequest, NextApiResponse } from "next";

const SAFE = ["/dashboard", "/settings"];

export default function handler(req: NextApiRequest, res: NextApiResponse) {
  const returnTo = req.query.returnTo as string;
  res.redirect(302, SAFE.includes(returnTo) ? returnTo : "/dashboard");
}
