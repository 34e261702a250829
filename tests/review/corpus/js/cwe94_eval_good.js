// expect:
const express = require("express");

const app = express();
app.use(express.json());

app.post("/calc", (req, res) => {
  const data = JSON.parse(req.body.payload);
  const fn = new Function("a", "b", "return a + b");
  res.json({ value: fn(Number(data.a), Number(data.b)) });
});
