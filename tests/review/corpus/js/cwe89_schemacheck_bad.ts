// expect: 89
import express from "express";
import { z } from "zod";
import { Pool } from "pg";

const app = express();
const pool = new Pool();
const Sort = z.enum(["name", "created_at"]);

// answers for a value the route does not use
function validSort(value: unknown, fallback: unknown): boolean {
  return Sort.safeParse(fallback).success;
}

app.get("/users", async (req, res) => {
  const sort = req.query.sort;
  if (!validSort(sort, "name")) {
    return res.status(400).json({ error: "bad sort" });
  }
  const { rows } = await pool.query(`SELECT id, name FROM users ORDER BY ${sort}`);
  res.json(rows);
});
