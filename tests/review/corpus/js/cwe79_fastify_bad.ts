// expect: 79
import Fastify from "fastify";

const app = Fastify();

app.get("/search", async (request, reply) => {
  const { q } = request.query as { q: string };
  reply.type("text/html").send(`<p>No results for ${q}</p>`);
});
