// expect: 89
const express = require("express");
const { sequelize } = require("./models");

const app = express();
app.use(express.json());

app.post("/search", async (req, res) => {
  const term = req.body.term;
  const sql = `SELECT * FROM products WHERE name LIKE '%${term}%'`;
  const [rows] = await sequelize.query(sql);
  res.json(rows);
});
