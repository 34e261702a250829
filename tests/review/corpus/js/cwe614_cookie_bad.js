// expect: 614
const express = require("express");

const app = express();

app.post("/login", (req, res) => {
  const sid = createSession(req.body.user);
  res.cookie("sid", sid, { maxAge: 3600000 });
  res.sendStatus(204);
});

function createSession(user) {
  return require("crypto").randomUUID() + user.length;
}
