// expect: 78
import Fastify from "fastify";
import { execSync } from "node:child_process";

const app = Fastify();

app.get<{ Querystring: { host: string } }>("/ping", async (request, reply) => {
  const host = request.query.host;
  const out = execSync(`ping -c 1 ${host}`).toString();
  return { out };
});
