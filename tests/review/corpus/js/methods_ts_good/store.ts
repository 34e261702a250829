// expect:
import fs from "fs";
import path from "path";

export default {
  read(name: string): string {
    return fs.readFileSync(path.join("/srv/store", path.basename(name)), "utf8");
  },
};
