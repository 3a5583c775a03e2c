// `npm run package:plugin`: packs the ociqueryservice provider plugin as Pulumi installs third-party
// plugins: pulumi-resource-ociqueryservice-v<version>-<os>-<arch>.tar.gz holding a launcher script,
// the compiled code (dist/plugin, dist/provider) and its production node_modules. Needs only
// Node.js at run time. Prints the tarball's absolute path as its last line.

import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { PACKAGE_VERSION } from "../../provider/package-info.js";
import { REPO_ROOT } from "../plugin-harness/host.js";
import { productionModules } from "./production-modules.js";

const BINARY = "pulumi-resource-ociqueryservice";
const ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64" };

/** The launcher: runs the plugin with the `node` on PATH, from wherever the CLI unpacked it. */
const LAUNCHER = `#!/bin/sh
# ${BINARY}: the ociqueryservice provider plugin. Needs Node.js (>= 22.12) on PATH.
exec node "$(dirname "$0")/dist/plugin/main.js" "$@"
`;

export function tarballName(version: string, platform: string = process.platform, arch: string = process.arch): string {
  return `${BINARY}-v${version}-${platform}-${ARCH[arch] ?? arch}.tar.gz`;
}

/** `.bin` folders hold symlinks the CLI refuses to unpack (they point outside the plugin), and the plugin runs none of them. */
const noBinLinks = (src: string) => !src.split(sep).includes(".bin");

function pack(): string {
  const stage = mkdtempSync(join(tmpdir(), "ociqueryservice-plugin-"));
  try {
    for (const dir of ["dist/plugin", "dist/provider"])
      cpSync(join(REPO_ROOT, dir), join(stage, dir), { recursive: true, filter: (src) => !src.endsWith(".map") });
    cpSync(join(REPO_ROOT, "package.json"), join(stage, "package.json"));
    for (const dir of productionModules(REPO_ROOT, ["@pulumi/pulumi"])) cpSync(join(REPO_ROOT, dir), join(stage, dir), { recursive: true, filter: noBinLinks });
    writeFileSync(join(stage, BINARY), LAUNCHER);
    chmodSync(join(stage, BINARY), 0o755);
    const tarball = join(REPO_ROOT, tarballName(PACKAGE_VERSION));
    execFileSync("tar", ["-czf", tarball, "-C", stage, "."], { stdio: "inherit" });
    return tarball;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (require.main === module) process.stdout.write(`${pack()}\n`);
