// expect:
const jwt = require("jsonwebtoken");

function currentUser(req) {
  const token = req.headers.authorization.replace("Bearer ", "");
  const claims = jwt.verify(token, process.env.JWT_PUBLIC_KEY, { algorithms: ["RS256"] });
  return claims.sub;
}

module.exports = { currentUser };
