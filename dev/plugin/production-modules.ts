// The node_modules folders the packed plugin needs at run time: this package's dependencies plus
// @pulumi/pulumi (a peer: the SDK's gRPC bindings), and everything they depend on, found as Node
// resolves them (a nested node_modules first, then each parent's).

import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const manifestOf = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** The folder `name` resolves to from the package in `from`, or undefined (an optional dependency not installed). */
function resolveFrom(root: string, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}

/** Every package folder (relative to `root`) the run-time closure holds, sorted. */
export function productionModules(root: string, extra: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (from: string, names: readonly string[]) => {
    for (const name of names) {
      const dir = resolveFrom(root, from, name);
      if (!dir || seen.has(dir)) continue;
      seen.add(dir);
      const m = manifestOf(dir);
      const peers = Object.keys(m.peerDependencies ?? {}).filter((peer) => resolveFrom(root, dir, peer));
      visit(dir, [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.optionalDependencies ?? {}), ...peers]);
    }
  };
  visit(root, [...Object.keys(manifestOf(root).dependencies ?? {}), ...extra]);
  return [...seen].map((dir) => relative(root, dir)).sort();
}
