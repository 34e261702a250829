// expect:
const express = require("express");
const { findUser } = require("./db");
const files = require("./files");

const router = express.Router();

router.get("/users", async (req, res) => {
  res.json(await findUser(req.query.name));
});

router.get("/files", (req, res) => {
  res.send(files.readReport(req.query.report));
});

module.exports = router;
