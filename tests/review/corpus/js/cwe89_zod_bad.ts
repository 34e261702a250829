// expect: 89
import express from "express";
import mysql from "mysql2/promise";

const app = express();
const conn = await mysql.createConnection({ host: "db" });

app.get("/items", async (req, res) => {
  const sort = String(req.query.sort ?? "id");
  const [rows] = await conn.query(`SELECT * FROM items ORDER BY ${sort}`);
  res.json(rows);
});
