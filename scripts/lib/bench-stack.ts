// One Pulumi stack of a program, driven through the real `pulumi` CLI the way a user runs it, for
// the bench: a file backend and PULUMI_HOME under a temp dir, the passphrase secrets provider,
// the stack's settings in a temp file (`--config-file`), so nothing is written into the program's
// folder. Each command is timed and the peak memory of `pulumi`, the program and the
// dynamic-provider plugin is sampled from /proc while it runs (Linux).

import { mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync } from "node:fs";
import * as path from "node:path";
import { spawnGroup } from "../../plugin-harness/process-group.js";
import { pulumiEnv, type PulumiCli } from "./pulumi-cli.js";

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
}

const PASSPHRASE = "bench passphrase";
const SAMPLE_EVERY_MS = 100;

function peakKb(pid: number): number {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
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

/** Node processes whose working directory is `dir`, by the SDK entry point they run. */
export function nodeProcessesIn(dir: string): { plugin: number[]; program: number[] } {
  const found = { plugin: [] as number[], program: [] as number[] };
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) !== dir) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
      if (cmdline.includes("cmd/dynamic-provider")) found.plugin.push(Number(entry));
      else if (cmdline.includes("cmd/run")) found.program.push(Number(entry));
    } catch {
      // another user's process, or gone meanwhile
    }
  }
  return found;
}

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

  /** Runs `pulumi <args>` in the program's folder with `env` added, sampling memory; killed after `timeoutMs`. */
  async run(args: string[], env: Record<string, string> = {}, timeoutMs = 900_000): Promise<CliRun> {
    const started = performance.now();
    const proc = spawnGroup(this.pulumi, args, { cwd: this.programDir, env: { ...this.env, ...env } });
    let output = "";
    let stdout = "";
    proc.child.stdout!.on("data", (c: Buffer) => ((stdout += c), (output += c)));
    proc.child.stderr!.on("data", (c: Buffer) => (output += c));
    const peak: PeakRss = { pulumi: 0, program: 0, plugin: 0 };
    const cpu = new Map<number, { role: keyof PeakRss; seconds: number }>();
    const sample = () => {
      const found = { pulumi: [proc.pid], ...nodeProcessesIn(this.programDir) };
      for (const role of ["pulumi", "program", "plugin"] as const) {
        for (const pid of found[role]) {
          peak[role] = Math.max(peak[role], peakKb(pid));
          cpu.set(pid, { role, seconds: Math.max(cpu.get(pid)?.seconds ?? 0, cpuOf(pid)) });
        }
      }
    };
    const sampler = setInterval(sample, SAMPLE_EVERY_MS);
    const timer = setTimeout(() => void proc.kill(), timeoutMs);
    try {
      const { code } = await proc.closed;
      const cpuSeconds: CpuSeconds = { pulumi: 0, program: 0, plugin: 0 };
      for (const { role, seconds } of cpu.values()) cpuSeconds[role] = Math.round((cpuSeconds[role] + seconds) * 100) / 100;
      return { args, wallMs: Math.round(performance.now() - started), code, cpuSeconds, stdout, output, peakRssKb: peak };
    } finally {
      clearInterval(sampler);
      clearTimeout(timer);
      await proc.kill(); // the group: nothing pulumi started in it outlives the command
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

/** Removes the bench's work folder (backends, homes, settings). */
export function removeWorkDir(workDir: string): void {
  rmSync(workDir, { recursive: true, force: true });
}
