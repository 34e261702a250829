// expect:
import express from "express";

const app = express();

app.get("/go", (req, res) => {
  const to = String(req.query.to);
  if (!to.startsWith("/docs/")) {
    return res.redirect("/docs/");
  }
  res.redirect(to);
});

app.get("/out", (req, res) => {
  const to = String(req.query.to);
  if (to.startsWith("https://help.example.com/")) {
    return res.redirect(to);
  }
  res.redirect("/");
});
