// expect: 601
const express = require("express");

const app = express();
const ALLOWED = new Set(["/", "/account"]);

app.get("/done", (req, res) => {
  if (!ALLOWED.has(req.query.from)) {
    return res.redirect("/");
  }
  res.redirect(req.query.next);
});
