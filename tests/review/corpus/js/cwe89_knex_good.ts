// expect:
import express, { Request, Response } from "express";
import knex from "knex";

const db = knex({ client: "pg" });
const router = express.Router();

router.get("/orders/:id", async (req: Request, res: Response) => {
  const { id } = req.params;
  const rows = await db.raw("SELECT * FROM orders WHERE id = ?", [id]);
  res.json(rows);
});

export default router;
