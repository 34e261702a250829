// expect: 22
import express from "express";
import { promises as fs } from "fs";
import path from "path";

const app = express();

interface Mail {
  to: string;
  template: { name: string; data: Record<string, unknown> };
}

async function send({ template, ...envelope }: Mail): Promise<string> {
  const text = await fs.readFile(path.join("/srv/templates", `${template.name}.liquid`), "utf8");
  return `${envelope.to}: ${text.length}`;
}

app.post("/invite", async (req, res) => {
  // the whole template object comes from the client, name included
  const mail: Mail = { to: String(req.body.email), template: req.body.template };
  res.json(await send(mail));
});
