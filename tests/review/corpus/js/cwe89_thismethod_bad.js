// expect: 89
const { Pool } = require("pg");

class UsersController {
  constructor() {
    this.pool = new Pool();
  }

  async byName(name) {
    const { rows } = await this.pool.query(`SELECT * FROM users WHERE name = '${name}'`);
    return rows;
  }

  async list(req, res) {
    res.json(await this.byName(req.query.name));
  }
}

module.exports = UsersController;
