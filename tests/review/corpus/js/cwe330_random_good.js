// expect:
const crypto = require("crypto");

function createResetToken() {
  const resetToken = crypto.randomBytes(32).toString("hex");
  return resetToken;
}

function retryDelayMs(attempt) {
  const jitter = Math.random() * 100;
  return 2 ** attempt * 100 + jitter;
}

module.exports = { createResetToken, retryDelayMs };
