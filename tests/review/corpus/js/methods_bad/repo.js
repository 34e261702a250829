// expect: 89 78
const { Pool } = require("pg");
const { execSync } = require("child_process");

const pool = new Pool();

class UserRepo {
  async find(name) {
    return pool.query("SELECT * FROM users WHERE name = '" + name + "'");
  }
}

const tools = {
  thumbnail(file) {
    return execSync("convert " + file + " thumb.png");
  },
};

module.exports = { UserRepo, tools };
