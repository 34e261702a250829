// expect:
import express from "express";
import _ from "lodash";
import { z } from "zod";

const app = express();
app.use(express.json());
const settings: Record<string, unknown> = {};
const Settings = z.object({ theme: z.enum(["light", "dark"]), pageSize: z.number().int() }).strict();

app.post("/settings", (req, res) => {
  const input = Settings.parse(req.body);
  _.merge(settings, input);
  res.json(settings);
});
