// expect:
const express = require("express");
const passport = require("passport");

const app = express();
const requireAuth = passport.authenticate("jwt", { session: false });

app.get("/health", (req, res) => res.json({ ok: true }));

app.delete("/admin/users/:id", requireAuth, async (req, res) => {
  await removeUser(req.params.id);
  res.sendStatus(204);
});

async function removeUser(id) {
  return id;
}
