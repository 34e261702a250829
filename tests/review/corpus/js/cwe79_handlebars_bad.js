// expect: 79
const express = require("express");
const Handlebars = require("handlebars");

const app = express();
const page = Handlebars.compile("<p>Hello {{name}}</p>", { noEscape: true });

app.get("/hi", (req, res) => {
  res.send(page({ name: req.query.name }));
});
