// expect: 1336
const express = require("express");
const ejs = require("ejs");

const app = express();
app.use(express.json());

app.post("/preview", (req, res) => {
  res.type("text/plain").send(ejs.render(req.body.template, { user: "guest" }));
});
