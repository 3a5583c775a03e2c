// Where the tests' S3-compatible object store comes from: versitygw (Apache-2.0, a Go module the
// proxy serves), built like the Pulumi CLI from the small Go module in tools/versitygw into
// `.object-store/bin` (git-ignored) and reused while that module's go.mod and go.sum are unchanged,
// or a `versitygw` on PATH that reports the pinned version. tools/README.md says why this one.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { folderBytes, go, goEnv, requiredVersion, ROOT } from "./pulumi-cli.js";

const MODULE = "github.com/versity/versitygw";
const PACKAGE = `${MODULE}/cmd/versitygw`;
/** Where a built gateway goes. Git-ignored. */
export const OBJECT_STORE_BIN = path.join(ROOT, ".object-store", "bin");

export interface ObjectStoreBinary {
  /** Absolute path of the `versitygw` executable. */
  file: string;
  version: string;
  source: "installed" | "built" | "built earlier";
}

type Log = (line: string) => void;

/** The pinned versitygw version: what tools/versitygw/go.mod requires. */
export function pinnedObjectStoreVersion(): string {
  return requiredVersion("versitygw", MODULE);
}

function buildInputs(): string {
  return ["go.mod", "go.sum"].map((f) => readFileSync(path.join(ROOT, "tools", "versitygw", f), "utf8")).join("\n");
}

/** `versitygw --version` prints "Version  : v1.8.0"; undefined when it does not run. */
function versionOf(file: string): string | undefined {
  const run = spawnSync(file, ["--version"], { encoding: "utf8", timeout: 30_000 });
  return run.status === 0 ? /Version\s*:\s*v?(\d+\.\d+\.\d+)/.exec(run.stdout)?.[1] : undefined;
}

function onPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, "versitygw"))) return path.join(dir, "versitygw");
  }
  return undefined;
}

const stampFile = (bin: string) => path.join(bin, "build.json");

/** What a finished build records, so the next setup can skip it while go.mod and go.sum are unchanged. */
export function objectStoreStamp(): string {
  return JSON.stringify({ version: pinnedObjectStoreVersion(), inputs: buildInputs() });
}

function builtEarlier(pinned: string, bin: string): ObjectStoreBinary | undefined {
  const file = path.join(bin, "versitygw");
  if (!existsSync(file) || !existsSync(stampFile(bin))) return undefined;
  if (readFileSync(stampFile(bin), "utf8") !== objectStoreStamp()) return undefined;
  return versionOf(file) === pinned ? { file, version: pinned, source: "built earlier" } : undefined;
}

function installed(pinned: string, bin: string): ObjectStoreBinary | undefined {
  const file = onPath();
  if (!file || path.dirname(file) === bin) return undefined;
  return versionOf(file) === pinned ? { file, version: pinned, source: "installed" } : undefined;
}

/** The gateway the tests start, without building; throws saying how to get one. */
export function findObjectStore(bin = OBJECT_STORE_BIN): ObjectStoreBinary {
  const pinned = pinnedObjectStoreVersion();
  const found = installed(pinned, bin) ?? builtEarlier(pinned, bin);
  if (!found) throw new Error(`No versitygw ${pinned} is set up. Run \`npm run setup:pulumi\` (it builds one with Go).`);
  return found;
}

/** Finds or builds the gateway (see the top of this file). Progress goes to `log`. */
export async function ensureObjectStore(log: Log, bin = OBJECT_STORE_BIN): Promise<ObjectStoreBinary> {
  const pinned = pinnedObjectStoreVersion();
  const found = installed(pinned, bin) ?? builtEarlier(pinned, bin);
  if (found) return found;
  if (spawnSync("go", ["version"], { env: process.env }).status !== 0) {
    throw new Error(
      `No versitygw ${pinned} was found, and Go is not installed to build one. Install Go 1.25 or newer ` +
        "(https://go.dev/doc/install) and run `npm run setup:pulumi` again, or put a versitygw " +
        `${pinned} on PATH (https://github.com/versity/versitygw/releases).`,
    );
  }
  const downloads = path.join(goEnv("GOMODCACHE"), "cache", "download");
  const before = folderBytes(downloads);
  const started = Date.now();
  log(`Building the S3-compatible object store the tests use (versitygw ${pinned}) from the Go module proxy into ${bin}.`);
  rmSync(bin, { recursive: true, force: true });
  mkdirSync(bin, { recursive: true });
  await go(["mod", "download"], "versitygw", "downloading versitygw's modules", log);
  log(`  downloaded ${((folderBytes(downloads) - before) / 1e6).toFixed(0)} MB of modules (Go's module cache: ${downloads})`);
  const ldflags = ["-trimpath", "-ldflags", `-s -w -X main.Version=v${pinned}`];
  await go(["build", ...ldflags, "-o", path.join(bin, "versitygw"), PACKAGE], "versitygw", "compiling versitygw", log);
  const file = path.join(bin, "versitygw");
  const version = versionOf(file);
  if (version !== pinned) throw new Error(`the built versitygw reports version ${version ?? "(none)"}, not ${pinned}`);
  writeFileSync(stampFile(bin), objectStoreStamp());
  log(`Built in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  return { file, version, source: "built" };
}
