// expect: 79
import express from "express";

const app = express();
const PAGE = "<h1>Welcome</h1>";
let cache: { body: string; key?: string } | undefined;

app.get("/welcome", (req, res) => {
  // the spread comes after `body`: the client's own `body` field replaces the page
  cache = { body: PAGE, ...req.body };
  res.send(cache.body);
});
