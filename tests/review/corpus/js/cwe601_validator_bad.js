// expect: 601
const express = require("express");

const app = express();
const ALLOWED = new Set(["/", "/account", "/orders"]);

// true for every path: "//evil.example" starts with "/" too
function isAllowedTarget(url) {
  if (url.startsWith("/")) {
    return true;
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
