// expect: 78
import { execSync } from "child_process";

export function runTool(arg: string): string {
  return execSync(`convert ${arg} out.png`).toString();
}
