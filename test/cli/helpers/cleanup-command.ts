// `oci-query-cleanup` as users run it, one child process per run: the built bin under the pinned
// Node (or an installed bin as is), started in a folder of its own, optionally as another host
// (a UTS namespace with its own host name, as the engine's lock records it). A test can signal
// a run alone, or kill everything it started as a lost machine would.

import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { ProjectResult } from "../../../automation/summary";
import { killTree } from "../../../dev/pulumi/process-tree";
import { ROOT } from "../../../dev/pulumi/pulumi-cli";

const BIN = path.join(ROOT, "dist", "automation", "oci-query-cleanup.js");
// The pinned Node 24 (pulumiEnv puts it first on PATH for the engine's plugins too).
const NODE = path.join(ROOT, "node_modules", ".bin", "node");

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  done: Promise<Finished>;
  stdout(): string;
  stderr(): string;
  /** Signals the command's own process only, as `kill PID`, Kubernetes or systemd do. */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs it and every process it started at once: pulumi, the language host, the plugins. */
  killAll(): void;
}

export interface StartOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** An installed bin to run as is (its `#!/usr/bin/env node` finds the pinned Node on PATH). */
  command?: string;
  /** Runs it in a UTS namespace of its own with this host name: another machine, for the stack lock. */
  host?: string;
}

/** The pids of the commands started and not yet exited. */
const unfinished = new Set<number>();

/** SIGKILLs every command still running and all it started: a failed assertion must leave nothing behind. */
export function killUnfinished(): void {
  for (const pid of unfinished) killTree(pid);
}

/** As root `unshare --uts` is enough; otherwise a user namespace maps this user to root inside it. */
function asHost(host: string, argv: string[]): string[] {
  const unshare = process.getuid?.() === 0 ? ["unshare", "--uts"] : ["unshare", "--user", "--map-root-user", "--uts"];
  // `exec` keeps one process: the pid the test signals is the command's own.
  return [...unshare, "sh", "-c", 'hostname "$0" && exec "$@"', host, ...argv];
}

export function startCleanup(args: string[], options: StartOptions): Running {
  const plain = options.command ? [options.command, ...args] : [NODE, BIN, ...args];
  const [file, ...argv] = options.host ? asHost(options.host, plain) : plain;
  const child = spawn(file!, argv, {
    // cron and CronJobs start it anywhere: never from the package's folder.
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  unfinished.add(child.pid!);
  const done = new Promise<Finished>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      unfinished.delete(child.pid!);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    done,
    stdout: () => stdout,
    stderr: () => stderr,
    signal: (signal) => child.kill(signal),
    killAll: () => void killTree(child.pid!),
  };
}

/** Every stdout line, each of which must be one JSON object. */
export function jsonLines(finished: Pick<Finished, "stdout">): ProjectResult[] {
  return finished.stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as ProjectResult);
}

/**
 * What a DIY backend in `folder` (a file backend, or an object store's folder) holds for a stack of
 * the default organization: the executions its checkpoint records as cancelled, in order and with
 * repeats, its pending operations and its lock files.
 */
export function recordIn(folder: string, stack: string): { ids: string[]; pending: unknown[]; locks: string[] } {
  const checkpoint = JSON.parse(readFileSync(path.join(folder, ".pulumi", "stacks", "oci-query-cleanup", `${stack}.json`), "utf8"));
  const latest = checkpoint.checkpoint.latest as {
    resources?: Array<{ type: string; outputs?: { queryExecutionId?: string } }>;
    pending_operations?: unknown[];
  };
  const lockDir = path.join(folder, ".pulumi", "locks", "organization", "oci-query-cleanup", stack);
  return {
    ids: (latest.resources ?? [])
      .filter((r) => r.type.endsWith(":QueryExecutionCancellation"))
      .map((r) => r.outputs!.queryExecutionId!)
      .sort(),
    pending: latest.pending_operations ?? [],
    locks: existsSync(lockDir) ? readdirSync(lockDir).filter((f) => f.endsWith(".json")) : [],
  };
}
