// expect: 601
import type { NextApiRequest, NextApiResponse } from "next";

export default function handler(req: NextApiRequest, res: NextApiResponse) {
  const returnTo = req.query.returnTo as string;
  res.redirect(302, returnTo);
}
