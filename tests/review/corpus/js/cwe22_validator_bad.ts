// expect: 22
import express from "express";
import fs from "fs";
import path from "path";

const app = express();
// not a check: it hands the value back, whatever it is
const safeName = (name: string): string => name.trim();

app.get("/invoice", (req, res) => {
  const name = String(req.query.file);
  if (!safeName(name)) {
    res.status(400).end();
    return;
  }
  res.send(fs.readFileSync(path.join("/srv/invoices", name)));
});
