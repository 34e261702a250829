// expect:
const express = require("express");
const { execFile } = require("child_process");

const app = express();

app.get("/ls", (req, res) => {
  const dir = req.query.dir;
  execFile("ls", ["-l", "--", dir], (err, stdout) => {
    res.type("text/plain").send(stdout);
  });
});
