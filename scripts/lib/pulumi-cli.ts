// Where the real `pulumi` CLI comes from, for the tests, the demo and the bench: a `pulumi` already
// installed (on PATH or in ~/.pulumi/bin) at least as new as the pinned version, else one built from
// the Go module proxy into `.pulumi-cli/bin` (git-ignored). The pinned version is the one the Go
// module in tools/pulumi-cli requires; tools/README.md says why there are two modules.

import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { PACKAGE_ROOT } from "../../provider/package-info.js";

/** The checkout (or installed package) this file belongs to. */
export const ROOT = PACKAGE_ROOT;
const TOOLS = path.join(ROOT, "tools");
/** Where a built CLI goes. Git-ignored. */
export const BUILT_BIN = path.join(ROOT, ".pulumi-cli", "bin");

const CLI_MODULE = "github.com/pulumi/pulumi/pkg/v3";
const CLI_PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi";
const LANGUAGE_PACKAGE = "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs";
const VERSION_VARIABLE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
/** The engine runs dynamic providers through a plugin of this name, looked up beside `pulumi` or on PATH. */
export const DYNAMIC_PLUGIN = "pulumi-resource-pulumi-nodejs";

export interface PulumiCli {
  /** Absolute folder holding `pulumi`, `pulumi-language-nodejs` and the dynamic-provider plugin shim. */
  binDir: string;
  /** What `pulumi version` printed, without the "v". */
  version: string;
  /** How it was had. */
  source: "installed" | "built" | "built earlier";
}

type Log = (line: string) => void;

/** A `x.y.z` version of a Go module required by one of our tools modules. */
export function requiredVersion(moduleDir: string, module: string): string {
  const goMod = readFileSync(path.join(TOOLS, moduleDir, "go.mod"), "utf8");
  const match = new RegExp(`^\\s*(?:require\\s+)?${module.replace(/[./]/g, "\\$&")}\\s+v(\\d+\\.\\d+\\.\\d+)\\s*(?://.*)?$`, "m").exec(goMod);
  if (!match) throw new Error(`tools/${moduleDir}/go.mod does not require ${module} at a plain version`);
  return match[1]!;
}

/** The Pulumi version we pin: the CLI's module version in tools/pulumi-cli/go.mod. */
export function pinnedVersion(): string {
  return requiredVersion("pulumi-cli", CLI_MODULE);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** `pulumi version` of the binary at `file`, or undefined when it does not run. */
function versionOf(file: string): string | undefined {
  const run = spawnSync(file, ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" }, timeout: 30_000 });
  const match = run.status === 0 ? /v?(\d+\.\d+\.\d+)/.exec(run.stdout) : null;
  return match?.[1];
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

const hasAll = (dir: string) => ["pulumi", "pulumi-language-nodejs", DYNAMIC_PLUGIN].every((n) => existsSync(path.join(dir, n)));

/** A complete installation at least as new as the pin, on PATH or in ~/.pulumi/bin. */
function findInstalled(pinned: string, builtBin: string, log: Log): PulumiCli | undefined {
  const candidates = [onPath("pulumi"), path.join(process.env.HOME || homedir(), ".pulumi", "bin", "pulumi")];
  for (const file of candidates) {
    if (!file || !existsSync(file) || path.dirname(file) === builtBin) continue;
    const version = versionOf(file);
    const binDir = path.dirname(path.resolve(file));
    if (!version) continue;
    if (compareVersions(version, pinned) < 0) {
      log(`Found pulumi ${version} at ${file}, older than the pinned ${pinned}: not using it.`);
    } else if (!hasAll(binDir)) {
      log(`Found pulumi ${version} at ${file}, but not pulumi-language-nodejs and ${DYNAMIC_PLUGIN} beside it: not using it.`);
    } else {
      return { binDir, version, source: "installed" };
    }
  }
  return undefined;
}

/** What a finished build records, so the next setup can skip it. */
export interface BuildStamp {
  cli: string;
  languageHost: string;
  /** The tools modules' go.mod and go.sum, which decide what is built. */
  inputs: string;
}

function buildInputs(): string {
  return ["pulumi-cli", "pulumi-language-nodejs"]
    .flatMap((dir) => ["go.mod", "go.sum"].map((f) => readFileSync(path.join(TOOLS, dir, f), "utf8")))
    .join("\n");
}

const stampFile = (builtBin: string) => path.join(builtBin, "build.json");

/** The stamp a build leaves, for the next setup to compare with. */
export function buildStamp(): BuildStamp {
  return { cli: pinnedVersion(), languageHost: requiredVersion("pulumi-language-nodejs", "github.com/pulumi/pulumi/sdk/v3"), inputs: buildInputs() };
}

function builtEarlier(pinned: string, builtBin: string): PulumiCli | undefined {
  if (!hasAll(builtBin) || !existsSync(stampFile(builtBin))) return undefined;
  const stamp = JSON.parse(readFileSync(stampFile(builtBin), "utf8")) as BuildStamp;
  if (stamp.inputs !== buildInputs() || stamp.cli !== pinned) return undefined;
  const version = versionOf(path.join(builtBin, "pulumi"));
  return version === pinned ? { binDir: builtBin, version, source: "built earlier" } : undefined;
}

/** The folder that holds exactly the CLI this checkout would use, without building: for tests. */
export function findPulumiCli(builtBin = BUILT_BIN): PulumiCli {
  const pinned = pinnedVersion();
  const cli = findInstalled(pinned, builtBin, () => {}) ?? builtEarlier(pinned, builtBin);
  if (!cli) throw new Error(`No Pulumi CLI ${pinned} or newer is set up. Run \`npm run setup:pulumi\` (it builds one with Go when none is installed).`);
  return cli;
}

export function goEnv(name: string): string {
  return spawnSync("go", ["env", name], { encoding: "utf8" }).stdout.trim();
}

/** Total bytes under a folder (0 when it does not exist). */
export function folderBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Runs a go command in a tools module, printing a line every 20 s so a long build is not silent. */
export function go(args: string[], moduleDir: string, what: string, log: Log): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("go", args, {
      cwd: path.join(TOOLS, moduleDir),
      // GOTOOLCHAIN=local: build with this machine's Go, never download another toolchain.
      env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly -buildvcs=false" },
      stdio: ["ignore", "inherit", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const ticker = setInterval(() => log(`  … ${what}: ${Math.round((Date.now() - started) / 1000)} s`), 20_000);
    child.on("error", (e) => {
      clearInterval(ticker);
      reject(e);
    });
    child.on("exit", (code) => {
      clearInterval(ticker);
      if (code === 0) {
        log(`  ${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        resolve();
      } else reject(new Error(`go ${args[0]} in tools/${moduleDir} failed (exit ${code}):\n${stderr.trim().split("\n").slice(-30).join("\n")}`));
    });
  });
}

/**
 * The dynamic-provider plugin the engine starts for `pulumi.dynamic.Resource`s, in the program's
 * directory: the SDK's own plugin, resolved from there, run by the first `node` on PATH. `exec`
 * keeps one process, so killing the plugin kills node.
 */
const SHIM = `#!/bin/sh
# ${DYNAMIC_PLUGIN}: the plugin the Pulumi engine starts for dynamic providers, in the
# program's directory. Runs the SDK's own dynamic-provider plugin, resolved from there.
# Written by \`npm run setup:pulumi\` (scripts/lib/pulumi-cli.ts).
plugin=$(node -e 'process.stdout.write(require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js", { paths: [process.cwd()] }))') || {
  echo "${DYNAMIC_PLUGIN}: cannot find @pulumi/pulumi from $(pwd); install it in the program's folder (npm install @pulumi/pulumi)" >&2
  exit 1
}
exec node "$plugin" "$@"
`;

async function build(builtBin: string, log: Log): Promise<PulumiCli> {
  const stamp = buildStamp();
  const { cli: pinned, languageHost: languageVersion } = stamp;
  const downloads = path.join(goEnv("GOMODCACHE"), "cache", "download");
  const before = folderBytes(downloads);
  const started = Date.now();
  log(`Building the Pulumi CLI ${pinned} and its Node.js language host (${languageVersion}) from the Go module proxy into ${builtBin}.`);
  log("A first build downloads the modules and compiles for several minutes on 2 cores; later ones reuse Go's caches.");
  rmSync(builtBin, { recursive: true, force: true });
  mkdirSync(builtBin, { recursive: true });
  await go(["mod", "download"], "pulumi-cli", "downloading the CLI's modules", log);
  await go(["mod", "download"], "pulumi-language-nodejs", "downloading the language host's modules", log);
  log(`  downloaded ${((folderBytes(downloads) - before) / 1e6).toFixed(0)} MB of modules (Go's module cache: ${downloads})`);
  const ldflags = (v: string) => ["-trimpath", "-ldflags", `-s -w -X ${VERSION_VARIABLE}=v${v}`];
  await go(["build", ...ldflags(pinned), "-o", path.join(builtBin, "pulumi"), CLI_PACKAGE], "pulumi-cli", "compiling pulumi", log);
  await go(
    ["build", ...ldflags(languageVersion), "-o", path.join(builtBin, "pulumi-language-nodejs"), LANGUAGE_PACKAGE],
    "pulumi-language-nodejs",
    "compiling pulumi-language-nodejs",
    log,
  );
  writeFileSync(path.join(builtBin, DYNAMIC_PLUGIN), SHIM);
  chmodSync(path.join(builtBin, DYNAMIC_PLUGIN), 0o755);
  const version = versionOf(path.join(builtBin, "pulumi"));
  if (version !== pinned) throw new Error(`the built pulumi reports version ${version ?? "(none)"}, not ${pinned}`);
  writeFileSync(stampFile(builtBin), JSON.stringify(stamp));
  log(`Built in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  return { binDir: builtBin, version, source: "built" };
}

const NOTHING_TO_BUILD_WITH = (pinned: string) => `No Pulumi CLI ${pinned} or newer was found, and Go is not installed to build one.
Either install the Pulumi CLI (https://www.pulumi.com/docs/install/: it puts pulumi,
pulumi-language-nodejs and pulumi-resource-pulumi-nodejs in ~/.pulumi/bin), or install Go 1.26
or newer (https://go.dev/doc/install, or your package manager, e.g. apt-get install golang-go)
and run \`npm run setup:pulumi\` again: it then builds the CLI from the Go module proxy.`;

/** Finds or builds the CLI (see the top of this file) into `builtBin`. Progress goes to `log`. */
export async function ensurePulumiCli(log: Log, builtBin = BUILT_BIN): Promise<PulumiCli> {
  const pinned = pinnedVersion();
  const installed = findInstalled(pinned, builtBin, log);
  if (installed) return installed;
  const earlier = builtEarlier(pinned, builtBin);
  if (earlier) return earlier;
  if (spawnSync("go", ["version"], { env: process.env }).status !== 0) throw new Error(NOTHING_TO_BUILD_WITH(pinned));
  return build(builtBin, log);
}

/**
 * The environment to run `pulumi` in, offline: our CLI and the pinned Node first on PATH (the
 * language host and the plugin start the first `node`), no update check, a PULUMI_HOME of its own
 * (no plugins from elsewhere, nothing downloaded), a local file backend and the passphrase provider.
 */
export function pulumiEnv(cli: PulumiCli, options: { home: string; backendDir: string; passphrase: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith("PULUMI_")) delete env[key];
  return {
    ...env,
    PATH: [cli.binDir, path.join(ROOT, "node_modules", ".bin"), process.env.PATH].join(path.delimiter),
    PULUMI_HOME: options.home,
    PULUMI_BACKEND_URL: `file://${options.backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: options.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
}
