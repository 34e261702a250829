// expect:
const Koa = require("koa");
const fs = require("fs");
const path = require("path");

const app = new Koa();

app.use(async (ctx) => {
  const name = path.basename(String(ctx.query.file));
  ctx.body = fs.createReadStream("/var/reports/" + name);
});
