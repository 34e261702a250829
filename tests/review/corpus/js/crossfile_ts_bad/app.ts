// expect:
import express from "express";
import { runTool } from "./tools";
import { goBack } from "./nav";

const app = express();

app.get("/tool", (req, res) => {
  res.send(runTool(String(req.query.arg)));
});

app.get("/back", (req, res) => {
  goBack(res, req.query.to as string);
});

export default app;
