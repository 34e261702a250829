// expect:
import fs from "fs";
import path from "path";

export function readOther(name: string): string {
  return fs.readFileSync("/srv/other/" + path.basename(name), "utf8");
}
