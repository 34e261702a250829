// expect: 22
import express from "express";
import { promises as fs } from "fs";
import path from "path";

const app = express();
const ROOT = "/srv/docs";

app.get("/doc", async (req, res) => {
  const file = path.join(ROOT, String(req.query.p));
  // prefix check on an unresolved path: "/srv/docs/../../etc/passwd" passes
  const raw = ROOT + "/" + String(req.query.p);
  if (!raw.startsWith(ROOT)) return res.sendStatus(400);
  res.send(await fs.readFile(raw, "utf8"));
});
