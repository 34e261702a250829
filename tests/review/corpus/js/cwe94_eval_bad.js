// expect: 94
const express = require("express");

const app = express();
app.use(express.json());

app.post("/calc", (req, res) => {
  const expr = req.body.expression;
  const fn = new Function("return (" + expr + ")");
  res.json({ value: fn() });
});
