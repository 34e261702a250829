// expect: 434 400
const express = require("express");
const multer = require("multer");
const passport = require("passport");

const app = express();
const upload = multer({ dest: "/srv/uploads" });

app.post("/avatar", passport.authenticate("jwt"), upload.single("file"), (req, res) => {
  res.json({ stored: req.file.filename });
});
