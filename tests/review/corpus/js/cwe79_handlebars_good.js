// expect:
const express = require("express");
const Handlebars = require("handlebars");

const app = express();
const page = Handlebars.compile("<p>Hello {{name}}</p>");

app.get("/hi", (req, res) => {
  res.send(page({ name: req.query.name }));
});
