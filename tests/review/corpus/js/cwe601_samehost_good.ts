// expect:
import express from "express";

const app = express();
const SITE = new URL(process.env.SITE_URL ?? "https://blog.example/");

app.get("/continue", (req, res) => {
  const target = new URL(String(req.query.to), SITE);
  if (target.origin !== SITE.origin) {
    return res.redirect("/");
  }
  res.redirect(target.href);
});
