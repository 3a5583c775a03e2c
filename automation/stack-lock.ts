// Who holds a stack's lock in a DIY backend (a folder or an object store), and whether that holder
// is provably gone. The engine locks a stack for the length of an update; a run killed with SIGKILL
// (OOM, a lost pod, a reboot) or cut off from its backend leaves its lock behind, and every later
// run would fail on it until someone unlocks it.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PULUMI_PROJECT } from "./stack-name.js";

/** One lock file, as the CLI writes it: `.pulumi/locks/<org>/<project>/<stack>/<uuid>.json`. */
export interface StackLock {
  pid: number;
  hostname: string;
  username: string;
  timestamp: string;
  /** The lock file: its path in a file backend, its URL in the engine's message. */
  where?: string;
}

/** The locks on a stack of a file backend (none when the folder does not exist). */
export function readLocks(backendFolder: string, stackName: string): StackLock[] {
  const parts = stackName.split("/");
  const [org, project, stack] = parts.length === 3 ? parts : ["organization", PULUMI_PROJECT, stackName];
  const dir = join(backendFolder, ".pulumi", "locks", org!, project!, stack!);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  return files.flatMap((f) => {
    try {
      const lock = JSON.parse(readFileSync(join(dir, f), "utf8")) as Partial<StackLock>;
      const where = join(dir, f);
      return [
        { pid: Number(lock.pid), hostname: String(lock.hostname ?? ""), username: String(lock.username ?? ""), timestamp: String(lock.timestamp ?? ""), where },
      ];
    } catch {
      return []; // being written or removed right now: not provably stale
    }
  });
}

// The engine's refusal (pkg/backend/diy/lock.go) lists each lock it found, read from the backend
// a moment ago: "\n  <url>: created by <user>@<host> (pid <pid>) at <RFC 3339>".
const HOLDER = /^\s+(\S.*?): created by (.*)@([^@\s]*) \(pid (-?\d+)\) at (\S+)\s*$/gm;

/**
 * The locks a DIY backend's "the stack is currently locked by N lock(s)" message names, whatever
 * the backend (file, s3, gs, azblob); none for Pulumi Cloud, whose 409 names no holder.
 */
export function locksInEngineMessage(message: string): StackLock[] {
  // The Automation API's message repeats the CLI's output: one entry per lock file.
  const seen = new Map([...message.matchAll(HOLDER)].map((m) => [m[1], m]));
  return [...seen.values()].map(([, where, username, hostname, pid, timestamp]) => ({
    pid: Number(pid),
    hostname: hostname!,
    username: username!,
    timestamp: timestamp!,
    where: where!,
  }));
}

export interface Here {
  hostname: string;
  /** True while a process with this pid runs (on this machine). */
  isRunning: (pid: number) => boolean;
}

/**
 * True only when every lock was taken on this machine by a process that no longer runs: then no
 * update can be in flight. A lock from another machine is never judged, as its process cannot be seen.
 */
export function locksAreStale(locks: StackLock[], here: Here): boolean {
  return locks.length > 0 && locks.every((l) => l.hostname === here.hostname && Number.isInteger(l.pid) && l.pid > 0 && !here.isRunning(l.pid));
}

/** `process.kill(pid, 0)`: EPERM means it runs as someone else. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export function describeLocks(locks: StackLock[]): string {
  if (locks.length === 0) return "";
  return locks.map((l) => `pid ${l.pid} on ${l.hostname || "an unknown host"}${l.timestamp ? ` since ${l.timestamp.replace(/\.\d+Z$/, "Z")}` : ""}`).join("; ");
}
