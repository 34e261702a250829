// expect:
import express from "express";
import { promises as fs } from "fs";
import path from "path";

const app = express();
const ROOT = "/srv/docs";

app.get("/doc", async (req, res) => {
  const resolved = path.resolve(ROOT, String(req.query.p));
  if (!resolved.startsWith(ROOT + path.sep)) return res.sendStatus(400);
  res.send(await fs.readFile(resolved, "utf8"));
});
