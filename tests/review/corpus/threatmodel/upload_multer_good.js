// expect:
const express = require("express");
const multer = require("multer");
const passport = require("passport");

const app = express();
const upload = multer({
  dest: "/srv/uploads",
  limits: { fileSize: 5 * 1024 * 1024 },
  fileFilter: (req, file, cb) => cb(null, [".png", ".jpg"].some((ext) => file.originalname.endsWith(ext))),
});

app.post("/avatar", passport.authenticate("jwt"), upload.single("file"), (req, res) => {
  res.json({ stored: req.file.filename });
});
