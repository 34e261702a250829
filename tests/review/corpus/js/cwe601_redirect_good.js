// expect:
const express = require("express");

const app = express();
const ALLOWED = new Set(["/", "/account", "/orders"]);

app.get("/login/done", (req, res) => {
  const next = String(req.query.next || "/");
  if (!ALLOWED.has(next)) {
    return res.redirect("/");
  }
  res.redirect(next);
});
