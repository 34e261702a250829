// expect: 601
import express from "express";

const app = express();

app.get("/continue", (req, res) => {
  // compared with a host the client also chose: proves nothing
  const target = new URL(String(req.query.to));
  if (target.host !== String(req.query.host)) {
    return res.redirect("/");
  }
  res.redirect(target.href);
});
