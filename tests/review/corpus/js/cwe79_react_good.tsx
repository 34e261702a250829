// expect:
import React from "react";
import DOMPurify from "dompurify";

export function Preview() {
  const params = new URLSearchParams(window.location.search);
  const html = params.get("html") ?? "";
  return <div dangerouslySetInnerHTML={{ __html: DOMPurify.sanitize(html) }} />;
}
