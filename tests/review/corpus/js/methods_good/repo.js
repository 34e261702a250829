// expect:
const { Pool } = require("pg");
const { execFileSync } = require("child_process");

const pool = new Pool();

class UserRepo {
  async find(name) {
    return pool.query("SELECT * FROM users WHERE name = $1", [name]);
  }
}

const tools = {
  thumbnail(file) {
    return execFileSync("convert", ["--", file, "thumb.png"]);
  },
};

module.exports = { UserRepo, tools };
