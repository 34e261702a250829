// expect:
import Fastify from "fastify";
import vm from "node:vm";

const app = Fastify();
const SCRIPT = "total * 2";

app.post("/run", async (request) => {
  const body = request.body as { total: number };
  return { result: vm.runInNewContext(SCRIPT, { total: Number(body.total) }) };
});
