// expect:
const express = require("express");
const fs = require("fs");
const path = require("path");

const app = express();

function renderTemplate(name) {
  return fs.readFileSync(path.join("/srv/templates", name + ".liquid"), "utf8");
}

function sendMail(options) {
  const body = renderTemplate(options.template.name);
  return { to: options.to, body, link: options.template.data.url };
}

app.post("/reset", (req, res) => {
  res.json(sendMail({ to: "ops@site.test", template: { name: "password-reset", data: { url: req.body.url } } }));
});
