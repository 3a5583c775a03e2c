// The bench through the real `pulumi` CLI: cleanup stacks of N matching executions, ours
// (examples/cleanup) and the peer a user would write instead (dev/bench/peer), against the emulator
// in its own process behind the latency proxy, with the file backend. Times `pulumi up` at the
// engine's default parallelism and at the given ones, with and without the engine's per-step
// checkpoints; a no-op `up`, a `refresh`, the state's bytes, and the peer after a code change.

import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_PROJECT_ID } from "../../emulator/index.js";
import type { StartAnswer, Summary } from "./emulator-child.js";
import type { EmulatorProcess } from "./emulator-process.js";
import { BenchStack, removeWorkDir, type CliRun, type CpuSeconds, type PeakRss } from "./bench-stack.js";
import { stateSize, type StateSize } from "./bench-state.js";
import { pulumiEnv, ROOT, type PulumiCli } from "../pulumi/pulumi-cli.js";
import { mean, median, round } from "../lib/figures.js";

export type Program = "ours" | "peer";

const PROGRAMS: Record<Program, { dir: string; typeSuffix: string }> = {
  ours: { dir: path.join(ROOT, "examples", "cleanup"), typeSuffix: ":QueryExecutionCancellation" },
  // Written the way the docs show, it passes no type name: the SDK records pulumi-nodejs:dynamic:Resource.
  peer: { dir: path.join(ROOT, "dev", "bench", "peer"), typeSuffix: ":dynamic:Resource" },
};

/** The engine's own setting: every resource step rewrites the whole state file (file backend). */
const SKIP_CHECKPOINTS = { PULUMI_SKIP_CHECKPOINTS: "true" };
/** The SDK's setting: run the TypeScript program without type-checking it first. */
const TRANSPILE_ONLY = { PULUMI_NODEJS_TRANSPILE_ONLY: "true" };

export interface EngineOptions {
  /** Matching executions per cleanup stack. */
  sizes: number[];
  /** --parallel values besides the engine's default. */
  parallels: number[];
  /** Sizes run again with the engine's checkpoints on (its default), at the default parallelism; the peer at the largest. */
  checkpointSizes: number[];
  /** The size at which the no-op up, refresh, state and the peer are measured (one of `sizes`). */
  detailSize: number;
  latencyMs: number;
}

/** Requests the emulator answered during one command. */
export interface Requests {
  total: number;
  list: number;
  get: number;
  cancel: number;
}

/** One `pulumi up` that created a cleanup stack of `cancellations` resources. */
export interface EngineUp {
  program: Program;
  cancellations: number;
  /** The --parallel in effect (the engine's default when none was passed). */
  parallel: number;
  parallelIsDefault: boolean;
  /** false: PULUMI_SKIP_CHECKPOINTS=true (state written once, at the end). */
  checkpoints: boolean;
  wallMs: number;
  /** list pages + ceil(N / parallel) x 2 round trips, x latency. */
  idealMs: number;
  ratioToIdeal: number;
  /** (wall - that of an up with one match) / (N - 1): what each more resource costs. */
  perResourceMs: number;
  /** The same in CPU time of pulumi, the program and the plugin together: less swayed by a busy machine. */
  cpuPerResourceMs: number;
  requests: Requests;
  duplicateEffectiveCancels: number;
  lost: number;
  peakRssKb: PeakRss;
  cpuSeconds: CpuSeconds;
}

/** Any other command on a stack: a no-op up, a refresh, an up after a code change. */
export interface EngineCommand {
  program: Program;
  what: string;
  resources: number;
  wallMs: number;
  requests: Requests;
  /** The CLI's "Resources:" summary, e.g. { created: 0, updated: 1000, unchanged: 2 }. */
  changes: Record<string, number>;
  peakRssKb: PeakRss;
  cpuSeconds: CpuSeconds;
}

export interface ProgramState extends StateSize {
  program: Program;
  when: string;
}

/** Per-resource cost at the largest size over that at the smallest, for one setting. */
export interface Growth {
  checkpoints: boolean;
  parallel: number;
  from: number;
  to: number;
  perResourceMsFrom: number;
  perResourceMsTo: number;
  ratio: number;
  cpuPerResourceMsFrom: number;
  cpuPerResourceMsTo: number;
  cpuRatio: number;
}

export interface EngineResults {
  pulumiVersion: string;
  defaultParallel: number;
  /** Where the no-op up, refresh, state and the peer were measured. */
  detailSize: number;
  /** `pulumi up` of our cleanup stack with one match: start, type-check, program, plugin, list, write. */
  fixedCostMs: number;
  /** The same in CPU seconds of pulumi, the program and the plugin. */
  fixedCpuSeconds: number;
  ups: EngineUp[];
  growth: Growth[];
  commands: EngineCommand[];
  states: ProgramState[];
  /** Dynamic-provider plugins still running after a command (killed by the bench). */
  leftoverPlugins: number;
  /** The per-step checkpoints' quadratic term, fitted to our runs with them on. */
  checkpointTerm?: CheckpointTerm;
}

/**
 * Per-resource time with checkpoints on, fitted as a + b × N (each step rewrites a state that
 * grows with N), and the wall time that predicts for the largest stack measured without them.
 */
export interface CheckpointTerm {
  /** b: ms each resource costs more per resource already in the stack. */
  msPerResourcePerResource: number;
  extrapolatedTo: number;
  /** Extrapolated, not measured: the fixed cost + (N - 1) × (a + b × N). */
  extrapolatedWallMs: number;
}

type Log = (line: string) => void;

/** The CLI's "Resources:" block: "+ 1000 created", "~ 1000 updated", "2 unchanged". */
export function parseChanges(output: string): Record<string, number> {
  const changes: Record<string, number> = {};
  const block = output.slice(output.lastIndexOf("Resources:")).split("\n").slice(1);
  for (const line of block) {
    const match = /^\s*[-+~]*\s*(\d+) ([a-z-]+)\s*$/.exec(line);
    if (match) changes[match[2]!] = Number(match[1]);
    else if (line.trim() !== "") break;
  }
  return changes;
}

/** What `pulumi up` does with no --parallel: `pulumi up --help` prints it ("(default 8)"). */
function engineDefaultParallel(cli: PulumiCli, env: NodeJS.ProcessEnv): number {
  const help = spawnSync(path.join(cli.binDir, "pulumi"), ["up", "--help"], { encoding: "utf8", env }).stdout;
  const match = /--parallel int32 .*\(default (\d+)\)/.exec(help);
  if (!match) throw new Error("`pulumi up --help` did not show the default of --parallel");
  return Number(match[1]);
}

/** A stack and the executions seeded for it. */
interface Subject {
  program: Program;
  stack: BenchStack;
  ids: string[];
}

export class EngineBench {
  private readonly results: EngineResults;
  private readonly workDir: string;
  private stacks = 0;

  private constructor(
    private readonly cli: PulumiCli,
    private readonly emulator: EmulatorProcess,
    private readonly service: StartAnswer,
    private readonly options: EngineOptions,
    private readonly log: Log,
  ) {
    mkdirSync(path.join(ROOT, ".bench-tmp"), { recursive: true }); // absent on a fresh clone
    this.workDir = mkdtempSync(path.join(ROOT, ".bench-tmp", "engine-"));
    const env = pulumiEnv(cli, { home: path.join(this.workDir, "home"), backendDir: path.join(this.workDir, "backend"), passphrase: "" });
    this.results = {
      pulumiVersion: cli.version,
      defaultParallel: engineDefaultParallel(cli, env),
      detailSize: options.detailSize,
      fixedCostMs: 0,
      fixedCpuSeconds: 0,
      ups: [],
      growth: [],
      commands: [],
      states: [],
      leftoverPlugins: 0,
    };
  }

  /** Runs everything in EngineOptions and returns the figures. */
  static async run(cli: PulumiCli, emulator: EmulatorProcess, service: StartAnswer, options: EngineOptions, log: Log): Promise<EngineResults> {
    const bench = new EngineBench(cli, emulator, service, options, log);
    const cleanUp = () => removeWorkDir(bench.workDir);
    process.once("exit", cleanUp); // also when Ctrl-C ends the bench
    try {
      await bench.all();
      return bench.results;
    } finally {
      process.off("exit", cleanUp);
      cleanUp();
    }
  }

  private async all(): Promise<void> {
    const o = this.options;
    const d = this.results.defaultParallel;
    this.log(
      `engine: pulumi ${this.cli.version}, default --parallel ${d}; ${o.sizes.join(", ")} matches at --parallel ${[d, ...o.parallels].join(", ")}, state written once (PULUMI_SKIP_CHECKPOINTS)`,
    );
    // The fixed cost, subtracted from each run's: the median of three fresh one-match stacks.
    const fixed: EngineUp[] = [];
    let one: Subject | undefined;
    for (let i = 0; i < 3; i++) fixed.push(await this.up((one = await this.fresh("ours", 1)), undefined, false));
    this.results.fixedCostMs = median(fixed.map((u) => u.wallMs));
    this.results.fixedCpuSeconds = median(fixed.map((u) => totalCpu(u.cpuSeconds)));
    // The type-check is a fixed cost of every run: measured on the smallest stack.
    const last = one!;
    await this.command(last, "up, nothing to do", () => last.stack.up({ env: SKIP_CHECKPOINTS }));
    await this.command(last, "up, nothing to do, PULUMI_NODEJS_TRANSPILE_ONLY=true", () => last.stack.up({ env: { ...SKIP_CHECKPOINTS, ...TRANSPILE_ONLY } }));
    for (const n of o.sizes) {
      for (const parallel of [undefined, ...o.parallels]) {
        const ours = await this.fresh("ours", n);
        await this.up(ours, parallel, false);
        if (n === o.detailSize && parallel === undefined) {
          await this.details(ours);
          await this.peer(n);
          // A second pair in the other order, so neither always runs first on a busy machine.
          await this.up(await this.fresh("peer", n), undefined, false);
          await this.up(await this.fresh("ours", n), undefined, false);
        }
      }
    }
    for (const n of o.checkpointSizes) await this.up(await this.fresh("ours", n), undefined, true);
    // Each checkpoint rewrites the whole state: the peer's larger state costs more per step.
    const largest = Math.max(...o.checkpointSizes);
    if (o.checkpointSizes.length > 0) await this.up(await this.fresh("peer", largest), undefined, true);
    const ours = this.results.ups.filter((u) => u.program === "ours");
    this.results.growth = growth(ours);
    const withCheckpoints = ours.filter((u) => u.checkpoints);
    if (new Set(withCheckpoints.map((u) => u.cancellations)).size >= 2) {
      this.results.checkpointTerm = checkpointTerm(withCheckpoints, Math.max(...o.sizes, ...o.checkpointSizes), this.results.fixedCostMs);
    }
  }

  /** No-op up, refresh, and the state, on our stack. */
  private async details(ours: Subject): Promise<void> {
    await this.command(ours, "up, nothing to do", () => ours.stack.up({ env: SKIP_CHECKPOINTS }));
    await this.state(ours, "after up");
    await this.command(ours, "refresh", () => ours.stack.refresh(SKIP_CHECKPOINTS));
    await this.state(ours, "after refresh");
  }

  /** The peer in the same cleanup stack: up, no-op up, state; then its provider code edited. */
  private async peer(n: number): Promise<void> {
    const peer = await this.fresh("peer", n);
    await this.up(peer, undefined, false);
    await this.command(peer, "up, nothing to do", () => peer.stack.up({ env: SKIP_CHECKPOINTS }));
    await this.state(peer, "after up");
    await peer.stack.setConfig({ peerRevision: "2" });
    await this.command(peer, "up after an edit of the provider's code", () => peer.stack.up({ env: SKIP_CHECKPOINTS }));
    await this.state(peer, "after the code edit");
  }

  /** A new stack of `program` over `n` freshly seeded executions (the emulator forgets earlier ones). */
  private async fresh(program: Program, n: number): Promise<Subject> {
    await this.emulator.reset();
    const seeded = await this.emulator.seed(n);
    const stack = await BenchStack.init(this.cli, PROGRAMS[program].dir, `${program}${++this.stacks}`, this.workDir, {
      "queryservice:endpoint": this.service.url,
      "queryservice:configFile": this.service.configFile,
      projectId: DEFAULT_PROJECT_ID, // where the emulator seeds
    });
    return { program, stack, ids: seeded.map((e) => e.id) };
  }

  /** Runs a command, counting the requests the emulator saw meanwhile; then no plugin may be left. */
  private async observe(subject: Subject, run: () => Promise<CliRun>): Promise<{ cli: CliRun; requests: Requests; summary: Summary }> {
    const before = await this.emulator.summary([]);
    const cli = await run();
    const summary = await this.emulator.summary(subject.ids);
    const count = (operation: string) => (summary.byOperation[operation] ?? 0) - (before.byOperation[operation] ?? 0);
    const requests = {
      total: summary.requests - before.requests,
      list: count("ListQueryExecutions"),
      get: count("GetQueryExecution"),
      cancel: count("CancelQueryExecution"),
    };
    if (cli.pluginsLeft > 0) this.log(`engine: ${cli.pluginsLeft} dynamic-provider plugin(s) outlived pulumi ${cli.args[0]}; killed`);
    this.results.leftoverPlugins += cli.pluginsLeft;
    return { cli, requests, summary };
  }

  private async up(subject: Subject, parallel: number | undefined, checkpoints: boolean): Promise<EngineUp> {
    const n = subject.ids.length;
    const p = parallel ?? this.results.defaultParallel;
    this.log(
      `engine: ${subject.program}, ${n} matches, --parallel ${p}${parallel === undefined ? " (default)" : ""}${checkpoints ? ", checkpoints on (the engine's default)" : ""}: pulumi up…`,
    );
    const { cli, requests, summary } = await this.observe(subject, () => subject.stack.up({ parallel, env: checkpoints ? {} : SKIP_CHECKPOINTS }));
    const idealMs = (requests.list + Math.ceil(n / p) * 2) * this.options.latencyMs;
    const run: EngineUp = {
      program: subject.program,
      cancellations: n,
      parallel: p,
      parallelIsDefault: parallel === undefined,
      checkpoints,
      wallMs: cli.wallMs,
      idealMs,
      ratioToIdeal: round(cli.wallMs / idealMs, 2),
      perResourceMs: n === 1 ? 0 : round((cli.wallMs - this.results.fixedCostMs) / (n - 1), 2),
      cpuPerResourceMs: n === 1 ? 0 : round((1000 * (totalCpu(cli.cpuSeconds) - this.results.fixedCpuSeconds)) / (n - 1), 2),
      requests,
      duplicateEffectiveCancels: summary.duplicateEffectiveCancels,
      lost: summary.lost,
      peakRssKb: cli.peakRssKb,
      cpuSeconds: cli.cpuSeconds,
    };
    if (n > 1) this.results.ups.push(run);
    this.log(`engine:   ${seconds(cli.wallMs)} (ideal ${seconds(idealMs)}, ${run.ratioToIdeal}x), ${describe(requests)}, ${describeMemory(cli.peakRssKb)}`);
    return run;
  }

  private async command(subject: Subject, what: string, run: () => Promise<CliRun>): Promise<void> {
    this.log(`engine: ${subject.program}, ${subject.ids.length} resources: ${what}…`);
    const { cli, requests } = await this.observe(subject, run);
    const changes = parseChanges(cli.output);
    this.results.commands.push({
      program: subject.program,
      what,
      resources: subject.ids.length,
      wallMs: cli.wallMs,
      requests,
      changes,
      peakRssKb: cli.peakRssKb,
      cpuSeconds: cli.cpuSeconds,
    });
    this.log(
      `engine:   ${seconds(cli.wallMs)}, ${describe(requests)}, ${Object.entries(changes)
        .map(([k, v]) => `${v} ${k}`)
        .join(", ")}`,
    );
  }

  private async state(subject: Subject, when: string): Promise<void> {
    const size = stateSize(await subject.stack.exportText(), PROGRAMS[subject.program].typeSuffix);
    this.results.states.push({ program: subject.program, when, ...size });
    this.log(
      `engine: ${subject.program} state ${when}: ${size.bytesPerResource} bytes per resource all in (serialized provider ${size.perResource.serializedProvider} of ${size.perResource.total})`,
    );
  }
}

/** Per-resource cost at each setting's largest size over that at its smallest (the mean where a size ran twice). */
function growth(ups: EngineUp[]): Growth[] {
  const settings = new Map<string, EngineUp[]>();
  for (const up of ups) {
    const key = `${up.checkpoints}/${up.parallel}`;
    settings.set(key, [...(settings.get(key) ?? []), up]);
  }
  const out: Growth[] = [];
  for (const runs of settings.values()) {
    const sizes = [...new Set(runs.map((u) => u.cancellations))].sort((a, b) => a - b);
    if (sizes.length < 2) continue;
    const at = (n: number, figure: (u: EngineUp) => number) => round(mean(runs.filter((u) => u.cancellations === n).map(figure)), 2);
    const from = sizes[0]!;
    const to = sizes[sizes.length - 1]!;
    const [wallFrom, wallTo] = [at(from, (u) => u.perResourceMs), at(to, (u) => u.perResourceMs)];
    const [cpuFrom, cpuTo] = [at(from, (u) => u.cpuPerResourceMs), at(to, (u) => u.cpuPerResourceMs)];
    out.push({
      checkpoints: runs[0]!.checkpoints,
      parallel: runs[0]!.parallel,
      from,
      to,
      perResourceMsFrom: wallFrom,
      perResourceMsTo: wallTo,
      ratio: round(wallTo / wallFrom, 2),
      cpuPerResourceMsFrom: cpuFrom,
      cpuPerResourceMsTo: cpuTo,
      cpuRatio: round(cpuTo / cpuFrom, 2),
    });
  }
  return out;
}

/** Least squares of per-resource time on N over the runs given (two sizes or more). */
function checkpointTerm(runs: EngineUp[], to: number, fixedCostMs: number): CheckpointTerm {
  const xs = runs.map((u) => u.cancellations);
  const ys = runs.map((u) => u.perResourceMs);
  const [mx, my] = [mean(xs), mean(ys)];
  const b = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i]! - my), 0) / xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  const a = my - b * mx;
  return { msPerResourcePerResource: round(b, 4), extrapolatedTo: to, extrapolatedWallMs: Math.round(fixedCostMs + (to - 1) * (a + b * to)) };
}

const totalCpu = (c: CpuSeconds) => c.pulumi + c.program + c.plugin;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
const describe = (r: Requests) => `${r.total} requests (${r.list} list, ${r.get} GET, ${r.cancel} POST)`;
const describeMemory = (peak: PeakRss) => `peak RSS pulumi ${mb(peak.pulumi)}, program ${mb(peak.program)}, plugin ${mb(peak.plugin)}`;
