// expect:
import express from "express";

const app = express();

app.get("/file", async (req, res) => {
  const store = (await import("./store.js")).default;
  res.type("text/plain").send(store.read(String(req.query.name)));
});

app.get("/file2", async (req, res) => {
  const { readOther } = await import("./other.js");
  res.type("text/plain").send(readOther(String(req.query.name)));
});

export default app;
