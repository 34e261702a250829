// expect:
const express = require("express");
const fs = require("fs");
const path = require("path");

const app = express();
const ROOT = "/srv/files";

app.get("/files/:name", (req, res) => {
  const file = path.resolve(ROOT, req.params.name);
  if (!file.startsWith(ROOT + path.sep)) {
    return res.sendStatus(400);
  }
  fs.readFile(file, (err, data) => (err ? res.sendStatus(404) : res.send(data)));
});
