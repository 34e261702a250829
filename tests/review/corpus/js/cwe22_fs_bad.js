// expect: 22
const express = require("express");
const fs = require("fs");
const path = require("path");

const app = express();
const ROOT = "/srv/files";

app.get("/files/:name", (req, res) => {
  const file = path.join(ROOT, req.params.name);
  fs.readFile(file, (err, data) => (err ? res.sendStatus(404) : res.send(data)));
});
