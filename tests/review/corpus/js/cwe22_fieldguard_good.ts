// expect:
import express from "express";
import fs from "fs";
import path from "path";

const app = express();

app.get("/report/:name", (req, res) => {
  if (!/^[a-z0-9-]+$/.test(req.params.name)) throw new Error("bad name");
  res.send(fs.readFileSync(path.join("/srv/reports", req.params.name), "utf8"));
});
