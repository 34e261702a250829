// expect: 22
const Koa = require("koa");
const fs = require("fs");

const app = new Koa();

app.use(async (ctx) => {
  const name = ctx.query.file;
  ctx.body = fs.createReadStream("/var/reports/" + name);
});
