// expect: 347
const jwt = require("jsonwebtoken");
const _ = require("lodash");

let JWT_DEFAULTS = {
  algorithms: ["HS256"],
  maxAge: "5m",
};

function check(token, secret, audience, loose) {
  // dropping `algorithms` when asked to be loose: verify() then takes the token's own
  const base = loose ? _.omit(JWT_DEFAULTS, "algorithms") : JWT_DEFAULTS;
  let options;
  if (audience) {
    options = Object.assign({ audience }, base);
  } else {
    options = { audience: "admin" };
  }
  return jwt.verify(token, secret, options);
}

module.exports = { check };
