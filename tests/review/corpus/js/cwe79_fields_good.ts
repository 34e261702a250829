// expect:
import express from "express";

const app = express();
const PAGE = "<h1>Welcome</h1>";
let cache: { body: string; key: string } | undefined;

app.get("/welcome", (req, res) => {
  cache = { ...req.body, key: String(req.query.v), body: PAGE };
  res.send(cache.body);
});
