// expect: 22
const express = require("express");
const fs = require("fs");
const path = require("path");

const app = express();

function renderTemplate(name) {
  return fs.readFileSync(path.join("/srv/templates", name + ".liquid"), "utf8");
}

function sendMail(options) {
  const body = renderTemplate(options.template.name);
  return { to: options.to, body };
}

app.post("/reset", (req, res) => {
  res.json(sendMail({ to: "ops@site.test", template: { name: req.body.template, data: {} } }));
});
