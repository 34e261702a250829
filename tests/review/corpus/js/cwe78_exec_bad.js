// expect: 78
const express = require("express");
const { exec } = require("child_process");

const app = express();

app.get("/ls", (req, res) => {
  const dir = req.query.dir;
  exec("ls -l " + dir, (err, stdout) => {
    res.type("text/plain").send(stdout);
  });
});
