// expect: 79
const express = require("express");

const app = express();

app.get("/page", (req, res) => {
  const page = { body: "<p>hello</p>", title: "Home" };
  page.body = req.query.html;
  res.send(page.body);
});
