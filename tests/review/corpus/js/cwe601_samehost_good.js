// expect:
const express = require("express");
const config = require("./config");

const app = express();

// The path the client asked for, kept only when it stays on this site.
function redirectPath(query) {
  try {
    const pathname = new URL(decodeURIComponent(query.r || "/"), config.siteUrl).pathname;
    const base = new URL(config.siteUrl);
    const target = new URL(pathname, config.siteUrl);
    return target.host === base.host ? pathname : "/";
  } catch (e) {
    return "/";
  }
}

app.post("/private", (req, res) => {
  res.redirect(redirectPath(req.query));
});
