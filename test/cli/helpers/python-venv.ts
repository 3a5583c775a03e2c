// A virtualenv with the `pulumi` package from PyPI, for Python programs run through the real CLI.
// Made once per SDK and Python version into `.test-cache/` (git-ignored) and reused after that, so
// only a first run needs PyPI. It is made under a temporary name and renamed into place, so test
// files that ask at the same time, or a run killed half-way, never leave a broken one behind.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import * as path from "node:path";
import { ROOT } from "../../../dev/pulumi/pulumi-cli";

/**
 * The `pulumi` package the programs run on: the newest PyPI served on 2026-12-08 (the CLI is
 * 3.276.0, the Node.js SDK here 3.270.0; tools/README.md).
 */
export const PYTHON_SDK_VERSION = "3.272.0";

export interface PythonVenv {
  /** The virtualenv's folder. */
  dir: string;
  /** Its `bin`, to put first on PATH: the Python language host runs the first `python3` there. */
  binDir: string;
}

function run(command: string, args: string[], what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: "1" } });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c));
    child.stderr.on("data", (c: Buffer) => (output += c));
    child.on("error", (e) =>
      reject(new Error(`${what}: cannot run ${command} (${e.message}); install Python 3 with its venv module (e.g. apt-get install python3-venv)`)),
    );
    child.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${what} failed (exit ${code}):\n${output.trim().split("\n").slice(-20).join("\n")}`)),
    );
  });
}

async function pythonVersion(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c));
    child.on("error", (e) =>
      reject(new Error(`cannot run python3 (${e.message}): the Python tests need Python 3.10 or newer (what the pulumi package requires) on PATH`)),
    );
    child.on("close", (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`python3 exited ${code}`))));
  });
}

/** The cached virtualenv with `pulumi==PYTHON_SDK_VERSION`, made first if there is none. */
export async function pythonVenv(): Promise<PythonVenv> {
  const dir = path.join(ROOT, ".test-cache", `python${await pythonVersion()}-pulumi-${PYTHON_SDK_VERSION}`);
  const binDir = path.join(dir, "bin");
  if (existsSync(path.join(binDir, "python3"))) return { dir, binDir };
  // One whose interpreter is gone (the base Python was upgraded) is made again.
  rmSync(dir, { recursive: true, force: true });
  const making = `${dir}.making-${process.pid}`;
  mkdirSync(path.dirname(dir), { recursive: true });
  rmSync(making, { recursive: true, force: true });
  try {
    await run("python3", ["-m", "venv", making], `python3 -m venv ${making}`);
    // `python -m pip`, not bin/pip: the folder is renamed afterwards, and pip's script names its old path.
    await run(
      path.join(making, "bin", "python3"),
      ["-m", "pip", "install", "--quiet", `pulumi==${PYTHON_SDK_VERSION}`],
      `pip install pulumi==${PYTHON_SDK_VERSION}`,
    );
    try {
      renameSync(making, dir);
    } catch (e) {
      // Another test file finished first: use its virtualenv.
      if (!existsSync(path.join(binDir, "python3"))) throw e;
    }
  } finally {
    rmSync(making, { recursive: true, force: true });
  }
  return { dir, binDir };
}
