// expect: 22
import fs from "fs";

export function readOther(name: string): string {
  return fs.readFileSync("/srv/other/" + name, "utf8");
}
