// expect: 918
const express = require("express");
const axios = require("axios");

const app = express();
app.use(express.json());

app.post("/webhook/test", async (req, res) => {
  const { callbackUrl } = req.body;
  const r = await axios.get(callbackUrl);
  res.json({ status: r.status });
});
