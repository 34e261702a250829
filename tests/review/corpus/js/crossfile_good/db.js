// expect:
const { Pool } = require("pg");

const pool = new Pool();

async function findUser(name) {
  const { rows } = await pool.query("SELECT * FROM users WHERE name = $1", [name]);
  return rows;
}

module.exports = { findUser };
