// This package's own name, folder and version, read once from its package.json (two levels up
// when compiled into dist/provider, one level up when run from source by the tests).

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** The name the trampoline requires; it must match package.json. */
export const PACKAGE_NAME = "pulumi-oci-query-execution-cancellation";

function findManifest(): { root: string; version: string } {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (manifest.name === PACKAGE_NAME && manifest.version) return { root: dir, version: manifest.version };
    } catch {
      // not here; keep walking up
    }
    if (dirname(dir) === dir) return { root: dirname(__dirname), version: "0.0.0" };
  }
}

const manifest = findManifest();
/** The folder holding this package's package.json. */
export const PACKAGE_ROOT: string = manifest.root;
export const PACKAGE_VERSION: string = manifest.version;
