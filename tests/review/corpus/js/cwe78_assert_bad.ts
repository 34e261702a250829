// expect: 78
import express from "express";
import { exec } from "child_process";

const app = express();

// only logs: a bad host goes on to the shell
function assertHost(host: string): void {
  if (!/^[a-z0-9.-]+$/i.test(host)) {
    console.warn("odd host", host);
  }
}

app.get("/ping", (req, res) => {
  const host = String(req.query.host);
  assertHost(host);
  exec(`ping -c 1 ${host}`, (err, out) => res.type("text/plain").send(out));
});
