// expect: 79
const express = require("express");

const app = express();
const PAGE = "<h1>Welcome</h1>";

app.get("/welcome", (req, res) => {
  const cache = { body: PAGE, key: req.query.v };
  res.send(cache.key);
});
