// expect:
import express from "express";

const app = express();
const ALLOWED_HOSTS = ["api.partner.example", "cdn.partner.example"];

app.get("/proxy", async (req, res) => {
  const target = new URL(String(req.query.url));
  if (target.protocol !== "https:" || !ALLOWED_HOSTS.includes(target.hostname)) {
    return res.sendStatus(400);
  }
  const upstream = await fetch(target);
  res.send(await upstream.text());
});
