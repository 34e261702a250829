// expect: 601
const SIZE_PATH = /\/size\/([^/]+)\//;

// Not anchored: "//evil.example/size/w1/x.png" matches, and its original URL is a
// protocol-relative address elsewhere.
module.exports = function handleImageSizes(req, res, next) {
  if (!SIZE_PATH.test(req.url)) {
    return next();
  }
  const size = req.url.match(SIZE_PATH)[1];
  return res.redirect(req.originalUrl.replace(`/size/${size}`, ""));
};
