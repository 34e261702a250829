// expect:
const express = require("express");
const User = require("./models/user");

const app = express();
app.use(express.json());

app.post("/login", async (req, res) => {
  const username = String(req.body.username);
  const user = await User.findOne({ username: username });
  if (!user || !(await user.checkPassword(String(req.body.password)))) return res.status(401).end();
  res.json({ id: user.id });
});
