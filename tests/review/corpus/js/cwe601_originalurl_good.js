// expect:
const SIZE_PATH = /^\/size\/([^/]+)\//;

// Mounted under /content/images: drops the size from the path and sends the browser to the
// original. The path starts with "/size/", so the original URL stays on this site.
module.exports = function handleImageSizes(req, res, next) {
  if (!SIZE_PATH.test(req.url)) {
    return next();
  }
  const size = req.url.match(SIZE_PATH)[1];
  return res.redirect(req.originalUrl.replace(`/size/${size}`, ""));
};
