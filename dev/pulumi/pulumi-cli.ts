// Where the real `pulumi` CLI comes from, for the tests, the demo and the bench: a `pulumi` already
// installed (on PATH or in ~/.pulumi/bin) at least as new as the pinned version, else one built from
// the Go module proxy into `.pulumi-cli/bin` (git-ignored), with the language hosts the tests use
// (Node.js, Python, YAML). The pinned version is the one the Go module in tools/pulumi-cli requires;
// tools/README.md says why each binary comes from a module of its own, and at which version.

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { PACKAGE_ROOT } from "../../provider/package-info.js";

/** The checkout (or installed package) this file belongs to. */
export const ROOT = PACKAGE_ROOT;
const TOOLS = path.join(ROOT, "tools");
/** Where a built CLI goes. Git-ignored. */
export const BUILT_BIN = path.join(ROOT, ".pulumi-cli", "bin");

const CLI_MODULE = "github.com/pulumi/pulumi/pkg/v3";
const SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3";
const VERSION_VARIABLE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
/** The engine runs dynamic providers through a plugin of this name, looked up beside `pulumi` or on PATH. */
export const DYNAMIC_PLUGIN = "pulumi-resource-pulumi-nodejs";
/** The Python host runs programs through this script, which it expects beside itself. */
export const PYTHON_EXEC = "pulumi-language-python-exec";

/** A binary built from one of our tools modules (tools/<moduleDir>), and what is installed with it. */
interface GoBinary {
  name: string;
  /** What the progress lines call it. */
  label: string;
  moduleDir: string;
  goPackage: string;
  /** The module whose required version the binary reports, through `versionVariable`. */
  versionModule: string;
  versionVariable: string;
  /** A file of a module's source (in Go's module cache) installed beside the binary. */
  companion?: { name: string; module: string; file: string };
}

/** Everything `.pulumi-cli/bin` holds besides the shim, in build order. */
export const BINARIES: readonly GoBinary[] = [
  {
    name: "pulumi",
    label: "the Pulumi CLI",
    moduleDir: "pulumi-cli",
    goPackage: `${CLI_MODULE}/cmd/pulumi`,
    versionModule: CLI_MODULE,
    versionVariable: VERSION_VARIABLE,
  },
  {
    name: "pulumi-language-nodejs",
    label: "the Node.js language host",
    moduleDir: "pulumi-language-nodejs",
    goPackage: `${SDK_MODULE}/nodejs/cmd/pulumi-language-nodejs`,
    versionModule: SDK_MODULE,
    versionVariable: VERSION_VARIABLE,
  },
  {
    name: "pulumi-language-python",
    label: "the Python language host",
    moduleDir: "pulumi-language-python",
    goPackage: `${SDK_MODULE}/python/cmd/pulumi-language-python`,
    versionModule: SDK_MODULE,
    versionVariable: VERSION_VARIABLE,
    companion: { name: PYTHON_EXEC, module: SDK_MODULE, file: `python/cmd/${PYTHON_EXEC}` },
  },
  {
    name: "pulumi-language-yaml",
    label: "the YAML language host",
    moduleDir: "pulumi-language-yaml",
    goPackage: "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml",
    versionModule: "github.com/pulumi/pulumi-yaml",
    versionVariable: "github.com/pulumi/pulumi-yaml/pkg/version.Version",
  },
];

export interface PulumiCli {
  /** Absolute folder holding `pulumi`, its language hosts and the dynamic-provider plugin shim. */
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

/** The files a binary puts in the folder: itself and its companion. */
const filesOf = (b: GoBinary) => [b.name, ...(b.companion ? [b.companion.name] : [])];
const NEEDED = [...BINARIES.flatMap(filesOf), DYNAMIC_PLUGIN];
const missingIn = (dir: string) => NEEDED.filter((n) => !existsSync(path.join(dir, n)));

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
    } else if (missingIn(binDir).length > 0) {
      log(`Found pulumi ${version} at ${file}, but not ${missingIn(binDir).join(", ")} beside it: not using it.`);
    } else {
      return { binDir, version, source: "installed" };
    }
  }
  return undefined;
}

/** What a finished build records, so the next setup can skip what is already built. */
export interface BuildStamp {
  cli: string;
  /** Per binary: the version it reports and a hash of its module's go.mod and go.sum, which decide what is built. */
  binaries: Record<string, { version: string; inputs: string }>;
}

const moduleFiles = (dir: string) => ["go.mod", "go.sum"].map((f) => readFileSync(path.join(TOOLS, dir, f), "utf8"));
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The stamp a build of every binary leaves, for the next setup to compare with. */
export function buildStamp(): BuildStamp {
  const binaries = Object.fromEntries(
    BINARIES.map((b) => [b.name, { version: requiredVersion(b.moduleDir, b.versionModule), inputs: sha256(moduleFiles(b.moduleDir).join("\n")) }]),
  );
  return { cli: pinnedVersion(), binaries };
}

/**
 * The stamp a build from before the Python and YAML hosts left ({cli, languageHost, inputs}, the
 * inputs being the CLI's and the Node.js host's go.mod and go.sum): its two binaries still count,
 * so adding the hosts to such a folder does not rebuild the CLI.
 */
function fromFirstStamp(old: { cli?: string; inputs?: unknown }, current: BuildStamp): BuildStamp | undefined {
  if (typeof old.inputs !== "string" || old.inputs !== ["pulumi-cli", "pulumi-language-nodejs"].flatMap(moduleFiles).join("\n")) return undefined;
  const { pulumi, "pulumi-language-nodejs": nodejs } = current.binaries;
  return { cli: old.cli ?? "", binaries: { pulumi: pulumi!, "pulumi-language-nodejs": nodejs! } };
}

function readStamp(builtBin: string, current: BuildStamp): BuildStamp | undefined {
  if (!existsSync(stampFile(builtBin))) return undefined;
  try {
    const stamp = JSON.parse(readFileSync(stampFile(builtBin), "utf8")) as Partial<BuildStamp> & { inputs?: unknown };
    return stamp.binaries ? { cli: stamp.cli ?? "", binaries: stamp.binaries } : fromFirstStamp(stamp, current);
  } catch {
    return undefined;
  }
}

const stampFile = (builtBin: string) => path.join(builtBin, "build.json");

/** The binaries `builtBin` lacks, or holds from other modules than tools/ pins now: what a setup builds. */
export function staleBinaries(builtBin: string): GoBinary[] {
  const current = buildStamp();
  const stamp = readStamp(builtBin, current);
  return BINARIES.filter((b) => {
    const recorded = stamp?.binaries[b.name];
    return recorded?.inputs !== current.binaries[b.name]!.inputs || !filesOf(b).every((f) => existsSync(path.join(builtBin, f)));
  });
}

function builtEarlier(pinned: string, builtBin: string): PulumiCli | undefined {
  if (missingIn(builtBin).length > 0 || staleBinaries(builtBin).length > 0) return undefined;
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
# Written by \`npm run setup:pulumi\` (dev/pulumi/pulumi-cli.ts).
plugin=$(node -e 'process.stdout.write(require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js", { paths: [process.cwd()] }))') || {
  echo "${DYNAMIC_PLUGIN}: cannot find @pulumi/pulumi from $(pwd); install it in the program's folder (npm install @pulumi/pulumi)" >&2
  exit 1
}
exec node "$plugin" "$@"
`;

/** The folder of a module's source in Go's module cache, at the version a tools module selects. */
function moduleSource(moduleDir: string, module: string): string {
  const run = spawnSync("go", ["list", "-m", "-f", "{{.Dir}}", module], {
    cwd: path.join(TOOLS, moduleDir),
    encoding: "utf8",
    env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly" },
  });
  const dir = run.stdout.trim();
  if (run.status !== 0 || !dir) throw new Error(`go list -m ${module} in tools/${moduleDir} failed: ${run.stderr.trim()}`);
  return dir;
}

/** Builds what `builtBin` lacks (staleBinaries), keeping what is current there, e.g. a CLI built before the hosts. */
async function build(builtBin: string, log: Log): Promise<PulumiCli> {
  const stamp = buildStamp();
  const pinned = stamp.cli;
  const stale = staleBinaries(builtBin);
  // Nothing stale but no usable CLI (e.g. a `pulumi` replaced by hand): build everything again.
  const todo = stale.length > 0 ? stale : [...BINARIES];
  const downloads = path.join(goEnv("GOMODCACHE"), "cache", "download");
  const before = folderBytes(downloads);
  const started = Date.now();
  const what = todo.map((b) => `${b.name} ${stamp.binaries[b.name]!.version}`).join(", ");
  log(`Building ${what} from the Go module proxy into ${builtBin}.`);
  log("A first build downloads the modules and compiles for several minutes on 2 cores; later ones reuse Go's caches.");
  mkdirSync(builtBin, { recursive: true });
  // The stamp names only what is finished: a build stopped half-way redoes the binary it was on, and no more.
  const finished: BuildStamp = { cli: pinned, binaries: {} };
  const record = (b: GoBinary) => {
    finished.binaries[b.name] = stamp.binaries[b.name]!;
    writeFileSync(stampFile(builtBin), JSON.stringify(finished));
  };
  for (const b of BINARIES) if (!todo.includes(b)) record(b);
  for (const b of todo) await go(["mod", "download"], b.moduleDir, `downloading the modules of ${b.label}`, log);
  log(`  downloaded ${((folderBytes(downloads) - before) / 1e6).toFixed(0)} MB of modules (Go's module cache: ${downloads})`);
  for (const b of todo) {
    const version = stamp.binaries[b.name]!.version;
    const ldflags = ["-trimpath", "-ldflags", `-s -w -X ${b.versionVariable}=v${version}`];
    await go(["build", ...ldflags, "-o", path.join(builtBin, b.name), b.goPackage], b.moduleDir, `compiling ${b.name}`, log);
    if (b.companion) {
      // From the module's own source (its zip in Go's module cache), never from a download site.
      copyFileSync(path.join(moduleSource(b.moduleDir, b.companion.module), b.companion.file), path.join(builtBin, b.companion.name));
      chmodSync(path.join(builtBin, b.companion.name), 0o755);
    }
    record(b);
  }
  writeFileSync(path.join(builtBin, DYNAMIC_PLUGIN), SHIM);
  chmodSync(path.join(builtBin, DYNAMIC_PLUGIN), 0o755);
  const version = versionOf(path.join(builtBin, "pulumi"));
  if (version !== pinned) throw new Error(`the built pulumi reports version ${version ?? "(none)"}, not ${pinned}`);
  log(`Built in ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  return { binDir: builtBin, version, source: "built" };
}

const NOTHING_TO_BUILD_WITH = (pinned: string) => `No Pulumi CLI ${pinned} or newer was found, and Go is not installed to build one.
Either install the Pulumi CLI (https://www.pulumi.com/docs/install/: it puts pulumi, its
language hosts and pulumi-resource-pulumi-nodejs in ~/.pulumi/bin), or install Go 1.26
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
