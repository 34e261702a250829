// expect: 601
const express = require("express");
const config = require("./config");

const app = express();

// Checks the host, then returns the path alone: "https://site//evil.example" passes the host
// check and its path "//evil.example" is a protocol-relative redirect elsewhere.
function redirectPath(query) {
  const base = new URL(config.siteUrl);
  const target = new URL(String(query.r || "/"), config.siteUrl);
  return target.host === base.host ? target.pathname : "/";
}

app.post("/private", (req, res) => {
  res.redirect(redirectPath(req.query));
});
