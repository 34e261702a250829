// expect:
const express = require("express");
const { Pool } = require("pg");

const app = express();
const pool = new Pool();

app.get("/users", async (req, res) => {
  const name = req.query.name;
  const result = await pool.query("SELECT id FROM users WHERE name = $1", [name]);
  res.json(result.rows);
});
