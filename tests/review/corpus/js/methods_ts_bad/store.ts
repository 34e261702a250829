// expect: 22
import fs from "fs";
import path from "path";

export default {
  read(name: string): string {
    return fs.readFileSync(path.join("/srv/store", name), "utf8");
  },
};
