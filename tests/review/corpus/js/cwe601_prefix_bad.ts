// expect: 601
import express from "express";

const app = express();

app.get("/out", (req, res) => {
  const to = String(req.query.to);
  // no slash after the host: "https://help.example.com.evil.example/" passes
  if (to.startsWith("https://help.example.com")) {
    return res.redirect(to);
  }
  res.redirect("/");
});
