// expect:
const express = require("express");
const { UserRepo, tools } = require("./repo");

const router = express.Router();
const repo = new UserRepo();

router.get("/users", async (req, res) => {
  res.json(await repo.find(req.query.name));
});

router.post("/thumb", (req, res) => {
  tools.thumbnail(req.body.file);
  res.sendStatus(204);
});

module.exports = router;
