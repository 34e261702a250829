// expect: 306
const express = require("express");

const app = express();

app.get("/health", (req, res) => res.json({ ok: true }));

app.delete("/admin/users/:id", async (req, res) => {
  await removeUser(req.params.id);
  res.sendStatus(204);
});

async function removeUser(id) {
  return id;
}
