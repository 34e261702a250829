// expect:
const express = require("express");
const ejs = require("ejs");

const app = express();
app.use(express.json());
const TEMPLATE = "Hello <%= user %>";

app.post("/preview", (req, res) => {
  res.type("text/plain").send(ejs.render(TEMPLATE, { user: req.body.user }));
});
