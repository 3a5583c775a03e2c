// Killing a `pulumi` run the way a crash would: every process of it at once. Killing its process
// group is not enough: the CLI starts the language host and every provider plugin in a process
// group of its own (sdk/go/common/util/cmdutil RegisterProcessGroup: Setpgid), so after
// `kill -9 -<pulumi pid>` the plugin lives on as an orphan and may even finish the create it was
// in. Linux only (reads /proc).

import { readdirSync, readFileSync } from "node:fs";

/** Resident memory now (VmRSS) and at its peak (VmHWM) of a live process, in kB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
}

/** The command line of a live process, its arguments joined by spaces ("" once it is gone). */
export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** Parent pid of every live process, from /proc/<pid>/stat. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid …"; comm may hold spaces and parentheses, so split after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      map.set(Number(entry), ppid);
    } catch {
      // exited meanwhile
    }
  }
  return map;
}

/** `root` and all its descendants that are alive now. */
export function processTree(root: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const [pid, ppid] of parents()) byParent.set(ppid, [...(byParent.get(ppid) ?? []), pid]);
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(byParent.get(tree[i]!) ?? []));
  return tree;
}

/** Whether `pid` runs (or is a zombie not yet reaped). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/**
 * SIGKILLs `root` and every descendant in the same instant: first SIGSTOP the tree (so nothing
 * forks or exits meanwhile), again until no new process shows up, then SIGKILL all of it.
 * Returns how many processes were killed.
 */
export function killTree(root: number): number {
  const stopped = new Set<number>();
  for (let pass = 0; pass < 5; pass++) {
    const fresh = processTree(root).filter((pid) => !stopped.has(pid));
    if (fresh.length === 0) break;
    for (const pid of fresh) {
      signal(pid, "SIGSTOP");
      stopped.add(pid);
    }
  }
  for (const pid of stopped) signal(pid, "SIGKILL");
  return stopped.size;
}
