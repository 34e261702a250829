// expect:
const express = require("express");
const fs = require("fs");

const app = express();

function render(options) {
  return fs.readFileSync("/srv/pages/" + options.page.name, "utf8");
}

app.get("/page", (req, res) => {
  const options = { page: { name: "home" }, lang: "en" };
  options.lang = req.query.lang;  // another field: the page read stays the literal one
  res.type("text/plain").send(render(options));
});
