// expect: 601
const express = require("express");

const app = express();

app.get("/login/done", (req, res) => {
  const next = req.query.next || "/";
  res.redirect(next);
});
