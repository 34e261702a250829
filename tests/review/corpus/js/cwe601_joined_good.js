// expect:
const express = require("express");
const urlJoin = require("url-join");

const router = express.Router();
const adminUrl = () => process.env.ADMIN_URL || "https://admin.example/";

router.get(/^\/ghost\/(.*)$/, (req, res) => {
  const match = req.originalUrl.match(/^\/ghost\/(.*)$/);
  // the request's part goes after '#': the admin app's own route
  return res.redirect(urlJoin(adminUrl(), "#", match[1]));
});

module.exports = router;
