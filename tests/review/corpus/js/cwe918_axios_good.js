// expect:
const express = require("express");
const axios = require("axios");

const app = express();
app.use(express.json());
const HOOKS = { slack: "https://hooks.slack.com/services/T000/B000", teams: "https://teams.example/hook" };

app.post("/webhook/test", async (req, res) => {
  const url = HOOKS[req.body.kind === "teams" ? "teams" : "slack"];
  const r = await axios.get(url);
  res.json({ status: r.status });
});
