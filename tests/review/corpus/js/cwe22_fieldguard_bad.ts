// expect: 22
import express from "express";
import fs from "fs";
import path from "path";

const app = express();

app.get("/report/:name", (req, res) => {
  if (!/^[a-z0-9-]+$/.test(req.params.kind)) throw new Error("bad kind");
  res.send(fs.readFileSync(path.join("/srv/reports", req.params.name), "utf8"));
});
