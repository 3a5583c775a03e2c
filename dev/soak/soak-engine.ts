// `npm run soak` (the default mode): cleanup stacks (examples/cleanup, unchanged) through the real
// `pulumi up` against the emulator, under the fault mix of the plugin mode plus SIGKILLs of the whole
// `pulumi` process tree at random moments of an update. After each killed or failed run the soak does
// what the CLI's own words ask for, then runs `pulumi up` again, until the stack converges:
//
//   "the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or
//    delete the lock file with `pulumi cancel`."                       -> pulumi cancel --yes
//   "Attempting to deploy or update resources with N pending operations from previous deployment.
//    … repair your stack using `pulumi refresh` … Note that `pulumi refresh` will need to be run
//    interactively to clear pending CREATE operations."                -> pulumi refresh --clear-pending-creates --yes
//   "failed to load checkpoint: EOF" (the kill hit the file backend between creating and writing the
//    checkpoint's .attrs sidecar; the CLI says nothing more)           -> delete the empty <stack>.json.attrs
//
// A stack has converged when `pulumi up` exits 0 and `pulumi stack export` shows no pending
// operation and a recorded cancellation for every one of its executions. Every command runs on the
// one runner (dev/pulumi/runner.ts); the CLI's words are matched in cli-words.ts.

import { readdirSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import type { FaultSpec } from "../../emulator/index.js";
import { median } from "../lib/figures.js";
import { runPool, since } from "../lib/pool.js";
import { verdict } from "../lib/verdict.js";
import { offlinePulumi, type OfflinePulumi } from "../pulumi/offline-pulumi.js";
import { commandOf } from "../pulumi/process-tree.js";
import { ROOT } from "../pulumi/pulumi-cli.js";
import { PulumiRunner, type PulumiRun } from "../pulumi/runner.js";
import { between, pick, seededRandom } from "./random.js";
import { BROKEN_CHECKPOINT, lastErrorLines, LOCKED, PENDING, pendingWarning, settled } from "./cli-words.js";
import { startSoakEmulator, type SoakEmulator } from "./soak-emulator.js";
import { countBy, faultsHit, faultsPlanned, killPointOf, planFaults, type FaultMix, type KillPoint } from "./soak-plan.js";

export interface EngineSoakOptions extends FaultMix {
  cancellations: number;
  seed: string;
  /** Stacks updated at once. */
  concurrency: number;
  /** Executions per cleanup stack. */
  perStack: number;
  /** Per `pulumi up`: its process tree is SIGKILLed during the update. */
  pKill: number;
  /** A random-moment kill comes 0..this many ms after `pulumi up` started. */
  killWindowMs: number;
  cancelDelayMs: number;
  budgetMs: number;
  maxReruns: number;
}

const WORK_DIR = path.join(ROOT, "examples", "cleanup");
const PROJECT = "query-execution-cleanup";
const RESOURCE_TYPE = "pulumi-nodejs:dynamic/oci-query-service:QueryExecutionCancellation";
/** What the soak keeps of a command's output (the end, where the CLI's diagnostics are). */
const KEEP_CHARS = 200_000;

interface KillPlan {
  point: KillPoint;
  delayMs: number;
}

interface CliResult {
  code: number | null;
  output: string;
  ms: number;
  killed: boolean;
  hung: boolean;
}

interface StackOutcome {
  /** `pulumi up` runs that got past the lock (ran the program, or tried to). */
  runs: number;
  converged: boolean;
  longestUpMs: number;
  totalMs: number;
  errors: string[];
  lastError?: string;
}

/** Recorded outputs of a stack's cancellations, by execution id, and its pending operations. */
interface Recorded {
  pending: number;
  outputs: Map<string, Record<string, unknown>>;
}

/** One cleanup stack's share of the plan, drawn before anything runs. */
interface StackPlan {
  name: string;
  projectId: string;
  executions: Array<{ projectId: string; id: string }>;
  faults: FaultSpec[][];
  kills: Array<KillPlan | undefined>;
  listFaults: FaultSpec[];
}

/** The whole plan: a pure function of the seed and the flags (and the ids the emulator hands out). */
function planStacks(o: EngineSoakOptions, emu: SoakEmulator["emu"]): StackPlan[] {
  const random = seededRandom(o.seed);
  const stackCount = Math.ceil(o.cancellations / o.perStack);
  return Array.from({ length: stackCount }, (_, s) => {
    const projectId = `ocid1.queryserviceproject.oc1.iad.soak${s}`;
    const count = Math.min(o.perStack, o.cancellations - s * o.perStack);
    const executions = Array.from({ length: count }, () => emu.store.addExecution({ projectId, lifecycleState: "IN_PROGRESS" }));
    const faults = executions.map((e) => planFaults(random, o, e.id).faults);
    const kills: Array<KillPlan | undefined> = Array.from({ length: o.maxReruns + 1 }, () => {
      const draw = [random(), random(), random()];
      return draw[0]! < o.pKill ? { point: killPointOf(draw[1]!), delayMs: Math.floor(draw[2]! * o.killWindowMs) } : undefined;
    });
    // The program's list of its executions gets faults too (they hit whichever stack lists next).
    const listFaults: FaultSpec[] = [];
    if (random() < o.p5xx) listFaults.push({ operation: "ListQueryExecutions", times: 1, respond: { status: pick(random, [500, 502, 503, 504]) } });
    if (random() < o.p429) listFaults.push({ operation: "ListQueryExecutions", times: 1, respond: { status: 429, retryAfter: "1" } });
    if (random() < o.pSlow) listFaults.push({ operation: "ListQueryExecutions", times: 1, delayMs: between(random, 200, 3000) });
    return { name: `soak-${process.pid}-${s}`, projectId, executions, faults, kills, listFaults };
  });
}

export async function soakEngine(o: EngineSoakOptions) {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const pulumi = await offlinePulumi("soak", log);
  const service = await startSoakEmulator({ cancelDelayMs: o.cancelDelayMs });
  const soak = new EngineSoak(o, pulumi, service, planStacks(o, service.emu));
  const progress = setInterval(() => log(soak.progress()), 15_000);
  try {
    await runPool(soak.stacks.length, o.concurrency, (s) => soak.soakStack(s));
  } finally {
    clearInterval(progress);
  }
  const report = soak.report();
  await service.emu.close();
  pulumi.remove();
  return report;
}

/** The tallies of one engine soak, and its steps: set a stack up, run `pulumi up` until it converges, answer the CLI. */
class EngineSoak {
  private readonly wallStart = performance.now();
  private readonly kills = { done: 0, skipped: 0, byPoint: { "random-delay": 0, "after-cancel-applied": 0 } as Record<KillPoint, number>, processes: 0 };
  private readonly answers = { lockedThenCancel: 0, pendingThenRefresh: 0, brokenCheckpointRepaired: 0, failedUpRerun: 0, upOkButUnconverged: 0 };
  private readonly engineSaid: { locked?: string; pending?: string; brokenCheckpoint?: string } = {};
  private readonly commands: string[] = [];
  private readonly upMs: number[] = [];
  private hangs = 0;
  private convergedStacks = 0;
  /** Executions a re-run found already CANCELED (by the killed run's own cancel) and recorded as ALREADY_TERMINAL. */
  private alreadyCanceled = 0;
  private readonly outcomes: StackOutcome[];
  /** Every program and plugin the commands ran: a kill must leave none of them behind. */
  private readonly children = new Set<number>();

  constructor(
    private readonly o: EngineSoakOptions,
    private readonly pulumi: OfflinePulumi,
    private readonly service: SoakEmulator,
    readonly stacks: StackPlan[],
  ) {
    this.outcomes = stacks.map(() => ({ runs: 0, converged: false, longestUpMs: 0, totalMs: 0, errors: [] }));
  }

  progress(): string {
    const { convergedStacks, kills, hangs } = this;
    return `soak: ${convergedStacks}/${this.stacks.length} stacks converged, ${kills.done} kills, ${hangs} hangs, ${Math.round(since(this.wallStart) / 1000)} s`;
  }

  /** One CLI command, non-interactive, within the budget; a drawn kill takes its whole tree at its moment. */
  private async cli(stack: PulumiRunner, args: string[], kill?: { plan: KillPlan; ids: string[] }): Promise<CliResult> {
    this.commands.push(args[0] === "stack" || args[0] === "config" ? `${args[0]} ${args[1]}` : args[0]!);
    const running = stack.start([...args, "--non-interactive"], { timeoutMs: this.o.budgetMs, keepChars: KEEP_CHARS, sample: true });
    let killed = false;
    const fire = (point: KillPoint) => {
      if (killed || !running.running()) return;
      killed = true;
      this.kills.done += 1;
      this.kills.byPoint[point] += 1;
      this.kills.processes += running.killAll();
    };
    const timer = kill?.plan.point === "random-delay" ? setTimeout(() => fire("random-delay"), kill.plan.delayMs) : undefined;
    if (kill?.plan.point === "after-cancel-applied") for (const id of kill.ids) this.service.onCancelApplied(id, () => fire("after-cancel-applied"));
    const result: PulumiRun = await running.done;
    clearTimeout(timer);
    for (const id of kill?.ids ?? []) this.service.forget(id);
    for (const pid of result.usage!.children) this.children.add(pid);
    return { code: result.code, output: result.output, ms: Math.round(result.durationMs * 10) / 10, killed, hung: result.timedOut };
  }

  /** The runner of `plan`'s stack: the shared offline backend, its settings in the temp dir. */
  private runnerFor(plan: StackPlan): PulumiRunner {
    return new PulumiRunner({
      pulumi: path.join(this.pulumi.cli.binDir, "pulumi"),
      env: this.pulumi.env,
      programDir: WORK_DIR,
      stackName: plan.name,
      configFile: path.join(this.pulumi.dir, `Pulumi.${plan.name}.yaml`),
    });
  }

  /** `stack init` (its settings moved to the temp dir at once), then the stack's config in one `config set-all`. */
  private async setUp(stack: PulumiRunner, plan: StackPlan): Promise<void> {
    const { emu, creds } = this.service;
    this.commands.push("stack init");
    await stack.init(
      {
        initArgs: ["--secrets-provider", "passphrase"],
        onSettingsWritten: (file) => {
          this.pulumi.removeOnExit(file);
          this.commands.push("config set-all");
        },
        config: { "queryservice:endpoint": emu.url, "queryservice:configFile": creds.configFile, projectId: plan.projectId },
      },
      { timeoutMs: this.o.budgetMs },
    );
  }

  /** Sets up stack `s`, runs `pulumi up` (answering what the CLI says) until it converges, removes the stack. */
  async soakStack(s: number): Promise<void> {
    const plan = this.stacks[s]!;
    const outcome = this.outcomes[s]!;
    const first = performance.now();
    const fail = (message: string) => {
      outcome.lastError = message.slice(0, 400);
      if (outcome.errors.length < 3) outcome.errors.push(outcome.lastError);
    };
    plan.faults
      .flat()
      .concat(plan.listFaults)
      .forEach((f) => this.service.emu.faults.add(f));
    const stack = this.runnerFor(plan);
    try {
      await this.setUp(stack, plan);
      await this.upUntilConverged(stack, plan, outcome, fail);
    } catch (e) {
      fail(`${plan.name}: ${(e as Error).message}`);
    }
    outcome.totalMs = since(first);
    if (outcome.converged) this.convergedStacks += 1;
    await this.cli(stack, ["stack", "rm", "--yes", "--force", "--stack", plan.name]);
  }

  private async upUntilConverged(stack: PulumiRunner, plan: StackPlan, outcome: StackOutcome, fail: (message: string) => void): Promise<void> {
    const ids = plan.executions.map((e) => e.id);
    let killIndex = 0;
    // Lock and checkpoint answers do not count as runs; bound them too, so a repair that does not
    // help ends this stack as not converged instead of looping.
    for (let attempt = 0; !outcome.converged && outcome.runs <= this.o.maxReruns; attempt++) {
      if (attempt > 3 * (this.o.maxReruns + 1)) throw new Error(`the CLI kept refusing to run (last: ${outcome.lastError ?? "?"})`);
      const kill = plan.kills[killIndex];
      const up = await this.cli(stack, ["up", "--yes", "--skip-preview", ...stack.stackArgs()], kill && { plan: kill, ids });
      if (up.hung) this.hangs += 1;
      if (!up.killed && (await this.answerRefusal(stack, up, fail))) continue;
      killIndex += 1;
      outcome.runs += 1;
      if (kill && !up.killed) this.kills.skipped += 1;
      this.upMs.push(up.ms);
      outcome.longestUpMs = Math.max(outcome.longestUpMs, up.ms);
      if (up.killed) continue;
      if (PENDING.test(up.output)) await this.refreshPending(stack, up, fail);
      if (up.code !== 0) {
        this.answers.failedUpRerun += 1;
        fail(up.hung ? `pulumi up gave no answer within ${this.o.budgetMs} ms` : lastErrorLines(up.output));
        continue;
      }
      await this.checkConverged(stack, ids, outcome, fail);
    }
  }

  /** A run the CLI refused before it ran the program (a lock, a broken checkpoint): answered as the CLI asks; true when it was one. */
  private async answerRefusal(stack: PulumiRunner, up: CliResult, fail: (message: string) => void): Promise<boolean> {
    if (LOCKED.test(up.output)) {
      this.engineSaid.locked ??= LOCKED.exec(up.output)![0];
      this.answers.lockedThenCancel += 1; // a drawn kill waits for the next run that gets past the lock
      const cancel = await this.cli(stack, ["cancel", "--yes", "--stack", stack.stackName]);
      if (cancel.code !== 0) fail(`pulumi cancel failed: ${lastErrorLines(cancel.output)}`);
      return true;
    }
    if (BROKEN_CHECKPOINT.test(up.output)) {
      this.engineSaid.brokenCheckpoint ??= up.output
        .trim()
        .split("\n")
        .filter((l) => BROKEN_CHECKPOINT.test(l))[0];
      if (this.repairCheckpoint(stack.stackName) === 0) throw new Error(`"failed to load checkpoint: EOF" and no empty .attrs sidecar to remove`);
      this.answers.brokenCheckpointRepaired += 1;
      return true;
    }
    return false;
  }

  private async refreshPending(stack: PulumiRunner, up: CliResult, fail: (message: string) => void): Promise<void> {
    this.engineSaid.pending ??= pendingWarning(up.output);
    this.answers.pendingThenRefresh += 1;
    const refresh = await this.cli(stack, ["refresh", "--clear-pending-creates", "--yes", "--skip-preview", ...stack.stackArgs()]);
    if (refresh.code !== 0) fail(`pulumi refresh --clear-pending-creates failed: ${lastErrorLines(refresh.output)}`);
  }

  /** After an `up` that exited 0: converged when the state has no pending operation and every execution settled. */
  private async checkConverged(stack: PulumiRunner, ids: string[], outcome: StackOutcome, fail: (message: string) => void): Promise<void> {
    const recorded = await this.exportState(stack);
    const missing = ids.filter((id) => !settled(recorded.outputs.get(id)));
    if (recorded.pending === 0 && missing.length === 0) {
      outcome.converged = true;
      this.alreadyCanceled += ids.filter((id) => recorded.outputs.get(id)?.outcome === "ALREADY_TERMINAL").length;
    } else {
      this.answers.upOkButUnconverged += 1;
      fail(`pulumi up exited 0 with ${recorded.pending} pending operations and ${missing.length} executions not recorded as cancelled`);
    }
  }

  private async exportState(stack: PulumiRunner): Promise<Recorded> {
    const result = await this.cli(stack, ["stack", "export", "--stack", stack.stackName]);
    if (result.code !== 0) throw new Error(`pulumi stack export failed: ${result.output.trim().slice(-300)}`);
    const deployment = (
      JSON.parse(result.output) as { deployment: { resources?: Array<{ type: string; outputs?: Record<string, unknown> }>; pending_operations?: unknown[] } }
    ).deployment;
    const outputs = new Map<string, Record<string, unknown>>();
    for (const r of deployment.resources ?? []) if (r.type === RESOURCE_TYPE && r.outputs) outputs.set(String(r.outputs.queryExecutionId), r.outputs);
    return { pending: deployment.pending_operations?.length ?? 0, outputs };
  }

  /** The empty .attrs sidecars a kill left in the stack's folder of the file backend. */
  private repairCheckpoint(name: string): number {
    const dir = path.join(this.pulumi.backendDir, ".pulumi", "stacks", PROJECT);
    let removed = 0;
    for (const file of readdirSync(dir)) {
      if (file.startsWith(`${name}.json`) && file.endsWith(".attrs") && statSync(path.join(dir, file)).size === 0) {
        rmSync(path.join(dir, file));
        removed += 1;
      }
    }
    return removed;
  }

  report() {
    const { o, stacks, outcomes, kills, service } = this;
    const wallMs = since(this.wallStart);
    const requests = service.emu.requests();
    const executions = stacks.flatMap((st, s) => st.executions.map((e) => ({ ...e, stack: s })));
    const { duplicates, lost } = verdict(service.emu, executions, (i) => outcomes[executions[i]!.stack]!);
    const longest = outcomes.slice().sort((a, b) => b.totalMs - a.totalMs)[0];
    return {
      mode: "engine" as const,
      pulumi: this.pulumi.cli.version,
      cancellations: o.cancellations,
      stacks: stacks.length,
      convergedStacks: this.convergedStacks,
      converged: executions.filter((e) => outcomes[e.stack]!.converged).length,
      convergedAsAlreadyCanceled: this.alreadyCanceled,
      faultsInjected: {
        ...faultsHit(requests),
        planned: faultsPlanned(stacks.flatMap((st) => st.faults)),
        listFaultsPlanned: stacks.reduce((n, st) => n + st.listFaults.length, 0),
        kills: kills.done,
        killsByPoint: kills.byPoint,
        processesKilled: kills.processes,
        // Drawn kills whose run ended before their moment came.
        killsSkipped: kills.skipped,
      },
      engineAnswers: this.answers,
      engineSaid: this.engineSaid,
      duplicateEffectiveCancels: duplicates,
      lostCancellations: lost.length,
      lost: lost.slice(0, 20),
      hangs: this.hangs,
      maxRerunsOfOne: Math.max(0, ...outcomes.map((x) => x.runs - 1)),
      longestOperationMs: Math.max(0, ...outcomes.map((x) => x.longestUpMs)),
      longestCancellationMs: longest?.totalMs ?? 0,
      pulumiUpMs: { median: median(this.upMs), runs: this.upMs.length },
      pulumiCommands: countBy(this.commands, (c) => c),
      // Programs and plugins still running once every stack is done (a kill that missed one).
      leftoverProcesses: [...this.children].filter((pid) => /\/cmd\/(run|dynamic-provider)\//.test(commandOf(pid))).length,
      requests: { total: requests.length, byOperation: countBy(requests, (r) => r.operation), replays: requests.filter((r) => r.replayed).length },
      wallMs,
      cancellationsPerSecond: Math.round((o.cancellations / (wallMs / 1000)) * 100) / 100,
      sampleErrors: [...new Set(outcomes.flatMap((x) => x.errors))].slice(0, 10),
    };
  }
}
