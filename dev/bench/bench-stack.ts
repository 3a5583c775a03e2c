// One Pulumi stack of a program, driven through the real `pulumi` CLI the way a user runs it, for
// the bench: a file backend and PULUMI_HOME under a temp dir, the passphrase secrets provider,
// the stack's settings in a temp file (`--config-file`), so nothing is written into the program's
// folder. Each command is timed and the peak memory of `pulumi`, the program and the
// dynamic-provider plugin is sampled from /proc while it runs (Linux).

import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import * as path from "node:path";
import { killTree, memoryOf, processTree } from "../pulumi/process-tree.js";
import { pulumiEnv, type PulumiCli } from "../pulumi/pulumi-cli.js";

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

export interface CliRun {
  args: string[];
  wallMs: number;
  code: number | null;
  cpuSeconds: CpuSeconds;
  stdout: string;
  /** stdout and stderr, interleaved. */
  output: string;
  peakRssKb: PeakRss;
  /** Dynamic-provider plugins of this run still alive 5 s after pulumi exited (the bench killed them). */
  pluginsLeft: number;
}

const PASSPHRASE = "bench passphrase";
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

type Role = keyof PeakRss;

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// pulumi starts its language host and plugins in process groups of their own, so neither a group
// kill nor the bench's own exit reaches them: a bench stopped by Ctrl-C or a crash kills the
// trees of the commands still running.
const running = new Set<number>();
process.on("exit", () => {
  for (const pid of running) killTree(pid);
});

export class BenchStack {
  private readonly pulumi: string;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(
    cli: PulumiCli,
    readonly programDir: string,
    readonly name: string,
    private readonly configFile: string,
    workDir: string,
  ) {
    this.pulumi = path.join(cli.binDir, "pulumi");
    this.env = pulumiEnv(cli, { home: path.join(workDir, "home"), backendDir: path.join(workDir, "backend"), passphrase: PASSPHRASE });
  }

  /**
   * `pulumi stack init` for the program in `programDir` (absolute), then the config given, in one
   * `config set-all`. `workDir` holds the backend, PULUMI_HOME and the settings file; stacks
   * sharing it share one backend.
   */
  static async init(cli: PulumiCli, programDir: string, name: string, workDir: string, config: Record<string, string>): Promise<BenchStack> {
    for (const dir of ["home", "backend", "settings"]) mkdirSync(path.join(workDir, dir), { recursive: true });
    const stack = new BenchStack(cli, programDir, name, path.join(workDir, "settings", `Pulumi.${name}.yaml`), workDir);
    await stack.ok(["stack", "init", name, "--non-interactive"]);
    // `stack init` writes the passphrase salt next to the program; keep it with the bench instead.
    renameSync(path.join(programDir, `Pulumi.${name}.yaml`), stack.configFile);
    await stack.setConfig(config);
    return stack;
  }

  /** `pulumi config set-all`: plain-text values, keys without a namespace belong to the project. */
  async setConfig(config: Record<string, string>): Promise<void> {
    const pairs = Object.entries(config).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`]);
    if (pairs.length > 0) await this.ok(["config", "set-all", ...this.stackArgs(), ...pairs]);
  }

  private stackArgs(): string[] {
    return ["--stack", this.name, "--config-file", this.configFile];
  }

  /** Runs `pulumi <args>` in the program's folder with `env` added, sampling memory and CPU; killed after `timeoutMs`. */
  async run(args: string[], env: Record<string, string> = {}, timeoutMs = 900_000): Promise<CliRun> {
    const started = performance.now();
    const child = spawn(this.pulumi, args, { cwd: this.programDir, env: { ...this.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const pid = child.pid!;
    running.add(pid);
    let output = "";
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => ((stdout += c), (output += c)));
    child.stderr.on("data", (c: Buffer) => (output += c));
    const closed = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const roles = new Map<number, Role>([[pid, "pulumi"]]);
    const peak: PeakRss = { pulumi: 0, program: 0, plugin: 0 };
    const cpu = new Map<number, number>();
    const sample = () => {
      for (const p of processTree(pid)) {
        const role = roles.get(p) ?? roleOf(p); // asked again until known: the shim becomes the plugin
        if (role === undefined) continue;
        roles.set(p, role);
        peak[role] = Math.max(peak[role], peakKb(p));
        cpu.set(p, Math.max(cpu.get(p) ?? 0, cpuOf(p)));
      }
    };
    const sampler = setInterval(sample, SAMPLE_EVERY_MS);
    const timer = setTimeout(() => killTree(pid), timeoutMs);
    try {
      const code = await closed;
      const cpuSeconds: CpuSeconds = { pulumi: 0, program: 0, plugin: 0 };
      for (const [p, seconds] of cpu) cpuSeconds[roles.get(p)!] = Math.round((cpuSeconds[roles.get(p)!] + seconds) * 100) / 100;
      const wallMs = Math.round(performance.now() - started);
      const plugins = [...roles].filter(([, role]) => role === "plugin").map(([p]) => p);
      return { args, wallMs, code, cpuSeconds, stdout, output, peakRssKb: peak, pluginsLeft: await reap(plugins) };
    } finally {
      clearInterval(sampler);
      clearTimeout(timer);
      running.delete(pid);
    }
  }

  /** Runs `pulumi <args>` and fails with its output unless it exits 0. */
  async ok(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    const run = await this.run(args, env);
    if (run.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${run.code}:\n${run.output.slice(-4000)}`);
    return run;
  }

  /** `pulumi up` without a preview, as a scheduled cleanup runs it. */
  up(options: { parallel?: number; env?: Record<string, string> } = {}): Promise<CliRun> {
    const parallel = options.parallel === undefined ? [] : ["--parallel", String(options.parallel)];
    return this.ok(["up", ...this.stackArgs(), "--yes", "--non-interactive", "--skip-preview", ...parallel], options.env);
  }

  refresh(env: Record<string, string> = {}): Promise<CliRun> {
    return this.ok(["refresh", ...this.stackArgs(), "--yes", "--non-interactive", "--skip-preview"], env);
  }

  /** `pulumi stack export`, as text: its length is what the state costs. */
  async exportText(): Promise<string> {
    return (await this.ok(["stack", "export", "--stack", this.name])).stdout;
  }
}

/** Waits up to 5 s for the engine to stop its plugins, then kills the ones left; returns how many it killed. */
async function reap(plugins: number[]): Promise<number> {
  for (let i = 0; i < 50 && plugins.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  const left = plugins.filter(alive);
  for (const p of left) killTree(p);
  return left.length;
}

/** Removes the bench's work folder (backends, homes, settings). */
export function removeWorkDir(workDir: string): void {
  rmSync(workDir, { recursive: true, force: true });
}
