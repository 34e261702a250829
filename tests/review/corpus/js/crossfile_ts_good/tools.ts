// expect:
import { execFileSync } from "child_process";

export function runTool(arg: string): string {
  return execFileSync("convert", ["--", arg, "out.png"]).toString();
}
