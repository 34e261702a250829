// expect: 209
import express, { NextFunction, Request, Response } from "express";

const app = express();

app.use((err: Error, req: Request, res: Response, next: NextFunction) => {
  res.status(500).json({ error: err.message, stack: err.stack });
});
