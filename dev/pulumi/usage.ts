// What a `pulumi` command costs, sampled from /proc while it runs (Linux): the peak resident memory
// and the CPU time of pulumi, the program and the dynamic-provider plugin, each told apart by the
// script node runs.

import { readFileSync } from "node:fs";
import { memoryOf, processTree } from "./process-tree.js";

/** Peak resident memory (VmHWM) in kB of each process a command ran; 0 when none was seen. */
export interface PeakRss {
  pulumi: number;
  /** The language host's Node process running the program (`@pulumi/pulumi/cmd/run`). */
  program: number;
  /** The dynamic-provider plugin (`@pulumi/pulumi/cmd/dynamic-provider`). */
  plugin: number;
}

/** CPU seconds (user + system) each process used, as last sampled before it exited. */
export type CpuSeconds = PeakRss;

export interface Usage {
  peakRssKb: PeakRss;
  cpuSeconds: CpuSeconds;
  /** The pids of the dynamic-provider plugins seen. */
  plugins: number[];
  /** The pids of the programs and plugins seen (what may outlive pulumi). */
  children: number[];
}

type Role = keyof PeakRss;

const SAMPLE_EVERY_MS = 100;

function peakKb(pid: number): number {
  try {
    return memoryOf(pid).hwmKb || 0; // NaN: a zombie, whose status has no memory lines
  } catch {
    return 0; // exited meanwhile
  }
}

/** utime + stime of a process, in seconds (clock ticks of 1/100 s on Linux). */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Which of the processes a command runs `pid` is, by the script node runs; undefined for the
 * others: the language host, and the plugin shim, which is a shell until it execs node (and
 * first runs a `node -e` that only resolves the plugin's path).
 */
function roleOf(pid: number): Role | undefined {
  try {
    const script = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[1] ?? "";
    if (script.endsWith("cmd/dynamic-provider/index.js")) return "plugin";
    if (script.endsWith("cmd/run/index.js")) return "program";
  } catch {
    // exited meanwhile
  }
  return undefined;
}

/** Samples the tree under `root` every 100 ms until stopped. */
export class UsageSampler {
  private readonly roles: Map<number, Role>;
  private readonly peak: PeakRss = { pulumi: 0, program: 0, plugin: 0 };
  private readonly cpu = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly root: number) {
    this.roles = new Map([[root, "pulumi"]]);
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  private sample(): void {
    for (const p of processTree(this.root)) {
      const role = this.roles.get(p) ?? roleOf(p); // asked again until known: the shim becomes the plugin
      if (role === undefined) continue;
      this.roles.set(p, role);
      this.peak[role] = Math.max(this.peak[role], peakKb(p));
      this.cpu.set(p, Math.max(this.cpu.get(p) ?? 0, cpuOf(p)));
    }
  }

  /** Stops sampling; the figures as last sampled. */
  stop(): Usage {
    clearInterval(this.timer);
    const cpuSeconds: CpuSeconds = { pulumi: 0, program: 0, plugin: 0 };
    for (const [p, seconds] of this.cpu) cpuSeconds[this.roles.get(p)!] = Math.round((cpuSeconds[this.roles.get(p)!] + seconds) * 100) / 100;
    const plugins = [...this.roles].filter(([, role]) => role === "plugin").map(([p]) => p);
    const children = [...this.roles].filter(([, role]) => role !== "pulumi").map(([p]) => p);
    return { peakRssKb: this.peak, cpuSeconds, plugins, children };
  }
}
