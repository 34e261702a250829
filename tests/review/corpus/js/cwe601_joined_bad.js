// expect: 601
const express = require("express");
const urlJoin = require("url-join");

const router = express.Router();

router.get(/^\/go\/(.*)$/, (req, res) => {
  const match = req.originalUrl.match(/^\/go\/(.*)$/);
  // the request's part comes first: it chooses the host
  return res.redirect(urlJoin(match[1], "#", "top"));
});

module.exports = router;
