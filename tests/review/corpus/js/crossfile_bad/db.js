// expect: 89
const { Pool } = require("pg");

const pool = new Pool();

async function findUser(name) {
  const { rows } = await pool.query(`SELECT * FROM users WHERE name = '${name}'`);
  return rows;
}

module.exports = { findUser };
