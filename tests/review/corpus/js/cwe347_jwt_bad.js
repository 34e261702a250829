// expect: 347
const jwt = require("jsonwebtoken");

function currentUser(req) {
  const token = req.headers.authorization.replace("Bearer ", "");
  const claims = jwt.decode(token);
  return claims.sub;
}

module.exports = { currentUser };
