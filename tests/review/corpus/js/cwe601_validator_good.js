// expect:
const express = require("express");

const app = express();
const ALLOWED = new Set(["/", "/account", "/orders"]);

function isAllowedTarget(url) {
  if (typeof url !== "string") {
    return false;
  }
  return ALLOWED.has(url);
}

app.get("/login/done", (req, res) => {
  const next = req.query.next || "/";
  if (!isAllowedTarget(next)) {
    return res.redirect("/");
  }
  res.redirect(next);
});
