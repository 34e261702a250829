// expect: 79
import React from "react";

export function Preview() {
  const params = new URLSearchParams(window.location.search);
  const html = params.get("html") ?? "";
  return <div dangerouslySetInnerHTML={{ __html: html }} />;
}
