// expect: 94
import Fastify from "fastify";
import vm from "node:vm";

const app = Fastify();

app.post("/run", async (request) => {
  const body = request.body as { code: string };
  return { result: vm.runInNewContext(body.code, {}) };
});
