// expect:
import Fastify from "fastify";
import { spawnSync } from "node:child_process";

const app = Fastify();

app.get<{ Querystring: { host: string } }>("/ping", async (request, reply) => {
  const host = request.query.host;
  const out = spawnSync("ping", ["-c", "1", host]).stdout.toString();
  return { out };
});
