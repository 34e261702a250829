// expect:
import express from "express";
import mysql from "mysql2/promise";
import { z } from "zod";

const app = express();
const conn = await mysql.createConnection({ host: "db" });
const Query = z.object({ sort: z.enum(["id", "name", "price"]) });

app.get("/items", async (req, res) => {
  const { sort } = Query.parse(req.query);
  const [rows] = await conn.query(`SELECT * FROM items ORDER BY ${sort}`);
  res.json(rows);
});
