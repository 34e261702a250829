// expect:
const express = require("express");

const app = express();

app.post("/login", (req, res) => {
  const sid = createSession(req.body.user);
  res.cookie("sid", sid, { maxAge: 3600000, httpOnly: true, secure: true, sameSite: "lax" });
  res.sendStatus(204);
});

function createSession(user) {
  return require("crypto").randomUUID() + user.length;
}
