// expect:
import express from "express";
import { promises as fs } from "fs";
import path from "path";

const app = express();

function sanitize(name: string): string {
  return path.basename(name);
}

app.get("/avatar", async (req, res) => {
  const file = sanitize(String(req.query.file));
  res.send(await fs.readFile(`/srv/avatars/${file}`));
});
