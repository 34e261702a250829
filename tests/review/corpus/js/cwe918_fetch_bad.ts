// expect: 918
import express from "express";

const app = express();

app.get("/proxy", async (req, res) => {
  const target = String(req.query.url);
  const upstream = await fetch(target);
  res.send(await upstream.text());
});
