// expect: 22
const express = require("express");
const fs = require("fs");

const app = express();

function render(options) {
  return fs.readFileSync("/srv/pages/" + options.page.name, "utf8");
}

app.get("/page", (req, res) => {
  const options = { page: { name: "home" }, lang: "en" };
  options.page = req.query;  // the whole page object now comes from the client
  res.type("text/plain").send(render(options));
});
