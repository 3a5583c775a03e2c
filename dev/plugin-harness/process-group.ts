// Child processes that die with their whole process group. Each child is spawned detached, so it leads a
// group of its own; stopping it signals the group, which also reaches grandchildren (a shell shim's node,
// workers) that would otherwise keep the pipes open and outlive the harness.
import { spawn, type ChildProcess } from "node:child_process";

export interface GroupProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the leader has exited and its pipes are closed. */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILLs the whole group and waits until no process of it remains. Safe to call more than once. */
  kill(): Promise<void>;
}

const live = new Set<number>();
let exitHookInstalled = false;

// If the harness's own process ends without stop() (a crashed test run), leave no orphans behind.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pid of live) signalGroup(pid, "SIGKILL");
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is empty
  }
}

/** True while any process of the group led by `pid` is alive. */
export function groupAlive(pid: number): boolean {
  return signalGroup(pid, 0);
}

export function spawnGroup(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }): GroupProcess {
  installExitHook();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) {
    // spawn reports ENOENT and friends asynchronously; surface it here with the command line.
    throw new Error(`Failed to start ${command} ${args.join(" ")} in ${options.cwd}`);
  }
  const pid = child.pid;
  live.add(pid);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });
  let killing: Promise<void> | undefined;
  const kill = (): Promise<void> => {
    killing ??= (async () => {
      signalGroup(pid, "SIGKILL");
      await closed;
      // The leader is gone; wait (briefly) for the rest of the group to be reaped too.
      for (let i = 0; i < 100 && groupAlive(pid); i++) {
        await new Promise((r) => setTimeout(r, 20));
        signalGroup(pid, "SIGKILL");
      }
      live.delete(pid);
    })();
    return killing;
  };
  void closed.then(() => {
    if (!groupAlive(pid)) live.delete(pid);
  });
  return { child, pid, closed, kill };
}

/** Splits a stream into lines, calling `onLine` for each complete line (without the newline). */
export function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      onLine(buffered.slice(0, nl).replace(/\r$/, ""));
      buffered = buffered.slice(nl + 1);
    }
  });
  stream.on("end", () => {
    if (buffered.length > 0) onLine(buffered);
    buffered = "";
  });
}
