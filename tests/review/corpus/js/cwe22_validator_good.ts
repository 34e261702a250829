// expect:
import express from "express";
import fs from "fs";
import path from "path";

const app = express();
const safeName = (name: string): boolean => /^[\w-]{1,64}\.pdf$/.test(name);

app.get("/invoice", (req, res) => {
  const name = String(req.query.file);
  if (!safeName(name)) {
    res.status(400).end();
    return;
  }
  res.send(fs.readFileSync(path.join("/srv/invoices", name)));
});
