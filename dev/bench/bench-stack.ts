// One Pulumi stack of a program for the bench, on the one runner (dev/pulumi/runner.ts): a file
// backend and PULUMI_HOME under the bench's work dir, the stack's settings in a file there. Each
// command is timed, its peak memory and CPU sampled, and the dynamic-provider plugins that outlive
// it are counted and killed.

import { mkdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import { alive, killTree } from "../pulumi/process-tree.js";
import { pulumiEnv, type PulumiCli } from "../pulumi/pulumi-cli.js";
import { PulumiRunner } from "../pulumi/runner.js";
import type { CpuSeconds, PeakRss } from "../pulumi/usage.js";

export type { CpuSeconds, PeakRss } from "../pulumi/usage.js";

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

export class BenchStack {
  private constructor(private readonly runner: PulumiRunner) {}

  /**
   * `pulumi stack init` for the program in `programDir` (absolute), then the config given, in one
   * `config set-all`. `workDir` holds the backend, PULUMI_HOME and the settings file; stacks
   * sharing it share one backend.
   */
  static async init(cli: PulumiCli, programDir: string, name: string, workDir: string, config: Record<string, string>): Promise<BenchStack> {
    for (const dir of ["home", "backend", "settings"]) mkdirSync(path.join(workDir, dir), { recursive: true });
    const runner = new PulumiRunner({
      pulumi: path.join(cli.binDir, "pulumi"),
      env: pulumiEnv(cli, { home: path.join(workDir, "home"), backendDir: path.join(workDir, "backend"), passphrase: PASSPHRASE }),
      programDir,
      stackName: name,
      configFile: path.join(workDir, "settings", `Pulumi.${name}.yaml`),
    });
    return new BenchStack(await runner.init({ config }));
  }

  /** `pulumi config set-all`: plain-text values. */
  setConfig(config: Record<string, string>): Promise<void> {
    return this.runner.setConfig(config);
  }

  /** Runs `pulumi <args>` with `env` added, sampling memory and CPU; fails with its output unless it exits 0. */
  async ok(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    const run = await this.runner.ok(args, { env, sample: true, timeoutMs: 900_000 });
    const usage = run.usage!;
    const wallMs = Math.round(run.durationMs);
    return {
      args,
      wallMs,
      code: run.code,
      cpuSeconds: usage.cpuSeconds,
      stdout: run.stdout,
      output: run.output,
      peakRssKb: usage.peakRssKb,
      pluginsLeft: await reap(usage.plugins),
    };
  }

  /** `pulumi up` without a preview, as a scheduled cleanup runs it. */
  up(options: { parallel?: number; env?: Record<string, string> } = {}): Promise<CliRun> {
    const parallel = options.parallel === undefined ? [] : ["--parallel", String(options.parallel)];
    return this.ok(["up", ...this.runner.stackArgs(), "--yes", "--non-interactive", "--skip-preview", ...parallel], options.env);
  }

  refresh(env: Record<string, string> = {}): Promise<CliRun> {
    return this.ok(["refresh", ...this.runner.stackArgs(), "--yes", "--non-interactive", "--skip-preview"], env);
  }

  /** `pulumi stack export`, as text: its length is what the state costs. */
  async exportText(): Promise<string> {
    return (await this.ok(["stack", "export", "--stack", this.runner.stackName])).stdout;
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
