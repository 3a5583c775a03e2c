// The ociqueryservice plugin as a user installs it: packed once per test file by the script behind
// `npm run package:plugin`, then `pulumi plugin install --file` into a stack's own PULUMI_HOME.

import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { PACKAGE_VERSION } from "../../../provider/package-info";
import type { CliStack } from "./cli-stack";

const ROOT = path.resolve(__dirname, "../../..");
let packed: string | undefined;

/** The tarball's absolute path (the script's last line); packed on first use. */
export function pluginTarball(): string {
  packed ??= execFileSync(process.execPath, [path.join(ROOT, "dist/dev/plugin/package-plugin.js")], { cwd: ROOT, encoding: "utf8" })
    .trim()
    .split("\n")
    .pop()!;
  return packed;
}

/** Installs the packed plugin into the stack's PULUMI_HOME. */
export async function installPlugin(stack: CliStack): Promise<void> {
  await stack.ok(["plugin", "install", "resource", "ociqueryservice", PACKAGE_VERSION, "--file", pluginTarball()]);
}
