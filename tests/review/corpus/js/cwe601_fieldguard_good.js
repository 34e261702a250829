// expect:
const express = require("express");

const app = express();
const ALLOWED = new Set(["/", "/account"]);

app.get("/done", (req, res) => {
  if (!ALLOWED.has(req.query.next)) {
    return res.redirect("/");
  }
  res.redirect(req.query.next);
});
