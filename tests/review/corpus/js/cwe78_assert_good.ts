// expect:
import express from "express";
import { exec } from "child_process";

const app = express();

function assertHost(host: string): void {
  if (!/^[a-z0-9.-]+$/i.test(host)) {
    throw new Error("bad host");
  }
}

app.get("/ping", (req, res) => {
  const host = String(req.query.host);
  assertHost(host);
  exec(`ping -c 1 ${host}`, (err, out) => res.type("text/plain").send(out));
});
