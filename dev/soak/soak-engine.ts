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
// operation and a recorded cancellation for every one of its executions.

import { spawn } from "node:child_process";
import { readdirSync, readlinkSync, renameSync, rmSync, statSync } from "node:fs";
import * as path from "node:path";
import { startEmulator, type FaultSpec } from "../../emulator/index.js";
import { offlinePulumi } from "../pulumi/offline-pulumi.js";
import { killTree } from "../pulumi/process-tree.js";
import { ROOT } from "../pulumi/pulumi-cli.js";
import { runPool, since } from "../lib/pool.js";
import { between, pick, seededRandom } from "./random.js";
import { acceptedCancel, countBy, faultsHit, faultsPlanned, median, planFaults, verdict, type FaultMix } from "./soak-plan.js";

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

/** The CLI's words this soak answers (Pulumi 3.276). */
const LOCKED = /error: the stack is currently locked by \d+ lock\(s\)\. Either wait for the other process\(es\) to end or delete the lock file with `pulumi cancel`\./;
const PENDING = /warning: Attempting to deploy or update resources with \d+ pending operations from previous deployment\./;
const PENDING_END = "to clear pending CREATE operations.";
const BROKEN_CHECKPOINT = /error: failed to load checkpoint: EOF/;

type KillPoint = "random-delay" | "after-cancel-applied";
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

export async function soakEngine(o: EngineSoakOptions) {
  const random = seededRandom(o.seed);
  const wallStart = performance.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const pulumi = await offlinePulumi("soak", log);
  const pulumiBin = path.join(pulumi.cli.binDir, "pulumi");

  const running = new Set<number>();
  process.on("exit", () => running.forEach((pid) => killTree(pid)));

  const onCancelApplied = new Map<string, () => void>();
  const emu = await startEmulator({
    requestLogSize: Infinity, // the figures are counted from the whole log
    cancelDelayMs: o.cancelDelayMs,
    log: (line) => {
      if (onCancelApplied.size === 0) return;
      const id = acceptedCancel(line);
      if (id !== undefined) onCancelApplied.get(id)?.();
    },
  });
  const creds = await emu.writeCredentials();

  // The whole plan is drawn before anything runs: a pure function of the seed and the flags.
  const stackCount = Math.ceil(o.cancellations / o.perStack);
  const stacks = Array.from({ length: stackCount }, (_, s) => {
    const projectId = `ocid1.queryserviceproject.oc1.iad.soak${s}`;
    const count = Math.min(o.perStack, o.cancellations - s * o.perStack);
    const executions = Array.from({ length: count }, () => emu.store.addExecution({ projectId, lifecycleState: "IN_PROGRESS" }));
    const faults = executions.map((e) => planFaults(random, o, e.id).faults);
    const kills: Array<KillPlan | undefined> = Array.from({ length: o.maxReruns + 1 }, () => {
      const draw = [random(), random(), random()];
      return draw[0]! < o.pKill ? { point: draw[1]! < 0.5 ? "random-delay" : "after-cancel-applied", delayMs: Math.floor(draw[2]! * o.killWindowMs) } : undefined;
    });
    // The program's list of its executions gets faults too (they hit whichever stack lists next).
    const listFaults: FaultSpec[] = [];
    if (random() < o.p5xx) listFaults.push({ operation: "ListQueryExecutions", times: 1, respond: { status: pick(random, [500, 502, 503, 504]) } });
    if (random() < o.p429) listFaults.push({ operation: "ListQueryExecutions", times: 1, respond: { status: 429, retryAfter: "1" } });
    if (random() < o.pSlow) listFaults.push({ operation: "ListQueryExecutions", times: 1, delayMs: between(random, 200, 3000) });
    return { name: `soak-${process.pid}-${s}`, projectId, executions, faults, kills, listFaults };
  });

  const kills = { done: 0, skipped: 0, byPoint: { "random-delay": 0, "after-cancel-applied": 0 } as Record<KillPoint, number>, processes: 0 };
  const answers = { lockedThenCancel: 0, pendingThenRefresh: 0, brokenCheckpointRepaired: 0, failedUpRerun: 0, upOkButUnconverged: 0 };
  const engineSaid: { locked?: string; pending?: string; brokenCheckpoint?: string } = {};
  const commands: string[] = [];
  const upMs: number[] = [];
  let hangs = 0;
  let convergedStacks = 0;
  /** Executions a re-run found already CANCELED (by the killed run's own cancel) and recorded as ALREADY_TERMINAL. */
  let alreadyCanceled = 0;
  const outcomes: StackOutcome[] = stacks.map(() => ({ runs: 0, converged: false, longestUpMs: 0, totalMs: 0, errors: [] }));

  /** One CLI command in a process group of its own, so a kill takes its whole tree and Ctrl-C does not reach it. */
  const cli = (args: string[], kill?: { plan: KillPlan; ids: string[] }): Promise<CliResult> =>
    new Promise((resolve) => {
      commands.push(args[0] === "stack" || args[0] === "config" ? `${args[0]} ${args[1]}` : args[0]!);
      const started = performance.now();
      const child = spawn(pulumiBin, [...args, "--non-interactive"], { cwd: WORK_DIR, env: pulumi.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
      const pid = child.pid!;
      running.add(pid);
      let output = "";
      const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000));
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      let killed = false;
      let hung = false;
      const fire = (point: KillPoint) => {
        if (killed || !running.has(pid)) return;
        killed = true;
        kills.done += 1;
        kills.byPoint[point] += 1;
        kills.processes += killTree(pid);
      };
      const timers: NodeJS.Timeout[] = [];
      if (kill?.plan.point === "random-delay") timers.push(setTimeout(() => fire("random-delay"), kill.plan.delayMs));
      if (kill?.plan.point === "after-cancel-applied") for (const id of kill.ids) onCancelApplied.set(id, () => fire("after-cancel-applied"));
      timers.push(
        setTimeout(() => {
          hung = true;
          killTree(pid);
        }, o.budgetMs),
      );
      child.on("close", (code) => {
        running.delete(pid);
        timers.forEach(clearTimeout);
        for (const id of kill?.ids ?? []) onCancelApplied.delete(id);
        resolve({ code, output, ms: since(started), killed, hung });
      });
    });

  const exportState = async (name: string): Promise<Recorded> => {
    const result = await cli(["stack", "export", "--stack", name]);
    if (result.code !== 0) throw new Error(`pulumi stack export failed: ${result.output.trim().slice(-300)}`);
    const deployment = (JSON.parse(result.output) as { deployment: { resources?: Array<{ type: string; outputs?: Record<string, unknown> }>; pending_operations?: unknown[] } }).deployment;
    const outputs = new Map<string, Record<string, unknown>>();
    for (const r of deployment.resources ?? []) if (r.type === RESOURCE_TYPE && r.outputs) outputs.set(String(r.outputs.queryExecutionId), r.outputs);
    return { pending: deployment.pending_operations?.length ?? 0, outputs };
  };

  /** The empty .attrs sidecars a kill left in the stack's folder of the file backend. */
  const repairCheckpoint = (name: string): number => {
    const dir = path.join(pulumi.backendDir, ".pulumi", "stacks", PROJECT);
    let removed = 0;
    for (const file of readdirSync(dir)) {
      if (file.startsWith(`${name}.json`) && file.endsWith(".attrs") && statSync(path.join(dir, file)).size === 0) {
        rmSync(path.join(dir, file));
        removed += 1;
      }
    }
    return removed;
  };

  const progress = setInterval(() => {
    log(`soak: ${convergedStacks}/${stackCount} stacks converged, ${kills.done} kills, ${hangs} hangs, ${Math.round(since(wallStart) / 1000)} s`);
  }, 15_000);

  /** Sets up stack `s`, runs `pulumi up` (answering what the CLI says) until it converges, removes the stack. */
  const soakStack = async (s: number) => {
    const stack = stacks[s]!;
    const outcome = outcomes[s]!;
    const first = performance.now();
    const ids = stack.executions.map((e) => e.id);
    const fail = (message: string) => {
      outcome.lastError = message.slice(0, 400);
      if (outcome.errors.length < 3) outcome.errors.push(outcome.lastError);
    };
    stack.faults.flat().concat(stack.listFaults).forEach((f) => emu.faults.add(f));
    const on = ["--stack", stack.name];
    // `stack init` writes the stack's settings (the passphrase salt) next to the program; they move
    // to the temp dir at once, and the commands that read them get --config-file.
    const settings = path.join(pulumi.dir, `Pulumi.${stack.name}.yaml`);
    const withSettings = [...on, "--config-file", settings];
    try {
      const init = await cli(["stack", "init", stack.name, "--secrets-provider", "passphrase"]);
      if (init.code !== 0) throw new Error(`pulumi stack init failed: ${lastErrorLines(init.output)}`);
      pulumi.removeOnExit(path.join(WORK_DIR, `Pulumi.${stack.name}.yaml`));
      renameSync(path.join(WORK_DIR, `Pulumi.${stack.name}.yaml`), settings);
      const config = ["queryservice:endpoint", emu.url, "queryservice:configFile", creds.configFile, "projectId", stack.projectId];
      const set = await cli(["config", "set-all", ...withSettings, ...config.flatMap((v, i) => (i % 2 ? [] : ["--plaintext", `${v}=${config[i + 1]}`]))]);
      if (set.code !== 0) throw new Error(`pulumi config set-all failed: ${lastErrorLines(set.output)}`);

      let killIndex = 0;
      // Lock and checkpoint answers do not count as runs; bound them too, so a repair that does not
      // help ends this stack as not converged instead of looping.
      for (let attempt = 0; !outcome.converged && outcome.runs <= o.maxReruns; attempt++) {
        if (attempt > 3 * (o.maxReruns + 1)) throw new Error(`the CLI kept refusing to run (last: ${outcome.lastError ?? "?"})`);
        const plan = stack.kills[killIndex];
        const up = await cli(["up", "--yes", "--skip-preview", ...withSettings], plan && { plan, ids });
        if (up.hung) hangs += 1;
        if (LOCKED.test(up.output) && !up.killed) {
          engineSaid.locked ??= LOCKED.exec(up.output)![0];
          answers.lockedThenCancel += 1; // a drawn kill waits for the next run that gets past the lock
          const cancel = await cli(["cancel", "--yes", ...on]);
          if (cancel.code !== 0) fail(`pulumi cancel failed: ${lastErrorLines(cancel.output)}`);
          continue;
        }
        if (BROKEN_CHECKPOINT.test(up.output) && !up.killed) {
          engineSaid.brokenCheckpoint ??= up.output.trim().split("\n").filter((l) => BROKEN_CHECKPOINT.test(l))[0];
          if (repairCheckpoint(stack.name) === 0) throw new Error(`"failed to load checkpoint: EOF" and no empty .attrs sidecar to remove`);
          answers.brokenCheckpointRepaired += 1;
          continue;
        }
        killIndex += 1;
        outcome.runs += 1;
        if (plan && !up.killed) kills.skipped += 1;
        upMs.push(up.ms);
        outcome.longestUpMs = Math.max(outcome.longestUpMs, up.ms);
        if (up.killed) continue;
        if (PENDING.test(up.output)) {
          engineSaid.pending ??= pendingWarning(up.output);
          answers.pendingThenRefresh += 1;
          const refresh = await cli(["refresh", "--clear-pending-creates", "--yes", "--skip-preview", ...withSettings]);
          if (refresh.code !== 0) fail(`pulumi refresh --clear-pending-creates failed: ${lastErrorLines(refresh.output)}`);
        }
        if (up.code !== 0) {
          answers.failedUpRerun += 1;
          fail(up.hung ? `pulumi up gave no answer within ${o.budgetMs} ms` : lastErrorLines(up.output));
          continue;
        }
        const recorded = await exportState(stack.name);
        const missing = ids.filter((id) => !settled(recorded.outputs.get(id)));
        if (recorded.pending === 0 && missing.length === 0) {
          outcome.converged = true;
          alreadyCanceled += ids.filter((id) => recorded.outputs.get(id)?.outcome === "ALREADY_TERMINAL").length;
        } else {
          answers.upOkButUnconverged += 1;
          fail(`pulumi up exited 0 with ${recorded.pending} pending operations and ${missing.length} executions not recorded as cancelled`);
        }
      }
    } catch (e) {
      fail(`${stack.name}: ${(e as Error).message}`);
    }
    outcome.totalMs = since(first);
    if (outcome.converged) convergedStacks += 1;
    await cli(["stack", "rm", "--yes", "--force", ...on]);
  };

  try {
    await runPool(stackCount, o.concurrency, soakStack);
  } finally {
    clearInterval(progress);
  }
  const wallMs = since(wallStart);

  const requests = emu.requests();
  const executions = stacks.flatMap((st, s) => st.executions.map((e) => ({ ...e, stack: s })));
  const { duplicates, lost } = verdict(emu, executions, (i) => outcomes[executions[i]!.stack]!);
  await emu.close();
  pulumi.remove();
  const longest = outcomes.slice().sort((a, b) => b.totalMs - a.totalMs)[0];
  return {
    mode: "engine" as const,
    pulumi: pulumi.cli.version,
    cancellations: o.cancellations,
    stacks: stackCount,
    convergedStacks,
    converged: executions.filter((e) => outcomes[e.stack]!.converged).length,
    convergedAsAlreadyCanceled: alreadyCanceled,
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
    engineAnswers: answers,
    engineSaid,
    duplicateEffectiveCancels: duplicates,
    lostCancellations: lost.length,
    lost: lost.slice(0, 20),
    hangs,
    maxRerunsOfOne: Math.max(0, ...outcomes.map((x) => x.runs - 1)),
    longestOperationMs: Math.max(0, ...outcomes.map((x) => x.longestUpMs)),
    longestCancellationMs: longest?.totalMs ?? 0,
    pulumiUpMs: { median: median(upMs), runs: upMs.length },
    pulumiCommands: countBy(commands, (c) => c),
    leftoverProcesses: processesIn(WORK_DIR),
    requests: { total: requests.length, byOperation: countBy(requests, (r) => r.operation), replays: requests.filter((r) => r.replayed).length },
    wallMs,
    cancellationsPerSecond: Math.round((o.cancellations / (wallMs / 1000)) * 100) / 100,
    sampleErrors: [...new Set(outcomes.flatMap((x) => x.errors))].slice(0, 10),
  };
}

/** A recorded cancellation that needs nothing more: cancel requested, or found already CANCELED by a re-run. */
function settled(outputs: Record<string, unknown> | undefined): boolean {
  return outputs?.outcome === "CANCEL_REQUESTED" || (outputs?.outcome === "ALREADY_TERMINAL" && outputs.lifecycleState === "CANCELED");
}

/** The pending-operations warning as the Diagnostics section states it, one line per line. */
function pendingWarning(output: string): string {
  const end = output.lastIndexOf(PENDING_END);
  const start = output.lastIndexOf("warning: Attempting to deploy", end);
  if (end < 0 || start < 0) return PENDING.exec(output)![0];
  return output.slice(start, end + PENDING_END.length).split("\n").map((l) => l.trim()).filter(Boolean).join("\n");
}

function lastErrorLines(output: string): string {
  const lines = output.split("\n").map((l) => l.trim()).filter((l) => /error/i.test(l));
  return lines.slice(-3).join(" | ") || output.trim().slice(-300);
}

/** Processes still running in `dir` (a plugin or language host a kill left behind would be one). */
function processesIn(dir: string): number {
  let count = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dir) count += 1;
    } catch {
      // exited, or not ours to read
    }
  }
  return count;
}
