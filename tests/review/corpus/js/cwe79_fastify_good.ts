// expect:
import Fastify from "fastify";
import escapeHtml from "escape-html";

const app = Fastify();

app.get("/search", async (request, reply) => {
  const { q } = request.query as { q: string };
  reply.type("text/html").send(`<p>No results for ${escapeHtml(q)}</p>`);
});
