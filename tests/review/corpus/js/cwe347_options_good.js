// expect:
const jwt = require("jsonwebtoken");
const _ = require("lodash");

let JWT_DEFAULTS = {
  algorithms: ["HS256"],
  maxAge: "5m",
};

function check(token, secret, audience, ignoreMaxAge) {
  const base = ignoreMaxAge ? _.omit(JWT_DEFAULTS, "maxAge") : JWT_DEFAULTS;
  let options;
  if (audience) {
    options = Object.assign({ audience }, base);
  } else {
    options = { ...base, audience: "admin" };
  }
  return jwt.verify(token, secret, options);
}

module.exports = { check };
