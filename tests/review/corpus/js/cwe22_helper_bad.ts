// expect: 22
import express from "express";
import { promises as fs } from "fs";

const app = express();

function sanitize(name: string): string {
  return name.replace("../", "");
}

app.get("/avatar", async (req, res) => {
  const file = sanitize(String(req.query.file));
  res.send(await fs.readFile(`/srv/avatars/${file}`));
});
