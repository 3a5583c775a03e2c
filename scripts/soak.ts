// `npm run soak`: many cancellations through the REAL dynamic-provider plugin against the emulator,
// under a seeded mix of 5xx, 429 with Retry-After, accept-then-drop, slow answers and plugin
// processes killed in the middle of a create. A failed create is run again (on a new plugin when it
// was killed) until it converges, as a user re-running `pulumi up` would. Reports figures, and
// exits non-zero when any cancellation was applied twice, never applied, or hung.

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startEmulator, type FaultSpec } from "../emulator/index.js";
import { cancellationProvider } from "../provider/provider.js";
import { serializeProvider } from "../test/engine/harness/plugin.js";
import { PluginHost } from "./lib/plugin-host.js";
import { integerFlag, probabilityFlag, runScript } from "./lib/cli.js";
import { runPool, since } from "./lib/pool.js";
import { between, pick, seededRandom } from "./lib/random.js";

const HELP = `Usage: npm run soak -- [options]

Options (probabilities are per cancellation, each drawn independently from the seed):
  --cancellations N   How many executions to cancel (default 2000)
  --seed S            Seed of the fault mix (default 1)
  --concurrency N     Creates in flight at once, like pulumi up --parallel (default 16)
  --p-5xx P           500/502/503/504 answered 1-2 times to its GET or POST (default 0.10)
  --p-429 P           429 with Retry-After: 1 answered once to its GET or POST (default 0.05)
  --p-drop-after P    The cancel POST is applied, then the connection dropped (default 0.05)
  --p-slow P          Its GET or POST answered after 200-3000 ms (default 0.05)
  --p-kill P          The plugin's process group is SIGKILLed during its create (default 0.01)
  --budget-s N        A create (check + create) taking longer counts as a hang (default 150)
  --max-reruns N      Give up on a cancellation after this many re-runs (default 25)
  --out FILE          Where the JSON goes (default .soak/soak-<seed>.json)
  -h, --help          Show this help`;

interface Options {
  cancellations: number;
  seed: string;
  concurrency: number;
  p5xx: number;
  p429: number;
  pDropAfter: number;
  pSlow: number;
  pKill: number;
  budgetMs: number;
  maxReruns: number;
  out: string;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      cancellations: { type: "string", default: "2000" },
      seed: { type: "string", default: "1" },
      concurrency: { type: "string", default: "16" },
      "p-5xx": { type: "string", default: "0.10" },
      "p-429": { type: "string", default: "0.05" },
      "p-drop-after": { type: "string", default: "0.05" },
      "p-slow": { type: "string", default: "0.05" },
      "p-kill": { type: "string", default: "0.01" },
      "budget-s": { type: "string", default: "150" },
      "max-reruns": { type: "string", default: "25" },
      out: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const flag = (name: string) => (values as Record<string, unknown>)[name] as string;
  const int = (name: string, min: number) => integerFlag(name, flag(name), min);
  const probability = (name: string) => probabilityFlag(name, flag(name));
  const seed = values.seed!;
  return {
    cancellations: int("cancellations", 1),
    seed,
    concurrency: int("concurrency", 1),
    p5xx: probability("p-5xx"),
    p429: probability("p-429"),
    pDropAfter: probability("p-drop-after"),
    pSlow: probability("p-slow"),
    pKill: probability("p-kill"),
    budgetMs: int("budget-s", 1) * 1000,
    maxReruns: int("max-reruns", 0),
    out: values.out ?? `.soak/soak-${seed.replace(/[^A-Za-z0-9._-]/g, "_")}.json`,
  };
}

type KillPoint = "random-delay" | "after-cancel-applied";

/** What the seed decided for one cancellation before it starts. */
interface Plan {
  faults: FaultSpec[];
  kill?: { point: KillPoint; delayMs: number };
}

const OPERATIONS = ["GetQueryExecution", "CancelQueryExecution"] as const;

function planFor(random: () => number, o: Options, queryExecutionId: string): Plan {
  const faults: FaultSpec[] = [];
  // Drawn in a fixed order so a seed always gives the same plan whatever the probabilities' values.
  const draws = [random(), random(), random(), random(), random()];
  if (draws[0]! < o.p5xx) {
    faults.push({ operation: pick(random, OPERATIONS), queryExecutionId, times: between(random, 1, 2), respond: { status: pick(random, [500, 502, 503, 504]) } });
  }
  if (draws[1]! < o.p429) {
    faults.push({ operation: pick(random, OPERATIONS), queryExecutionId, times: 1, respond: { status: 429, retryAfter: "1" } });
  }
  if (draws[2]! < o.pDropAfter) {
    faults.push({ operation: "CancelQueryExecution", queryExecutionId, times: 1, afterEffect: "drop-connection" });
  }
  if (draws[3]! < o.pSlow) {
    faults.push({ operation: pick(random, OPERATIONS), queryExecutionId, times: 1, delayMs: between(random, 200, 3000) });
  }
  const plan: Plan = { faults };
  if (draws[4]! < o.pKill) {
    plan.kill = { point: random() < 0.5 ? "random-delay" : "after-cancel-applied", delayMs: between(random, 0, 150) };
  }
  return plan;
}

interface Outcome {
  runs: number;
  converged: boolean;
  /** The longest single check+create call of this cancellation. */
  longestCallMs: number;
  /** From its first start to convergence, re-runs included. */
  totalMs: number;
  errors: string[];
  lastError?: string;
  /** Converged as ALREADY_TERMINAL/CANCELED: an earlier, interrupted run's cancel had already finished. */
  sawOwnCancelFinished?: boolean;
}

class Timeout extends Error {}

function withBudget<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

async function main(): Promise<void> {
  const o = parseOptions();
  const random = seededRandom(o.seed);
  const wallStart = performance.now();

  // Kills at "the cancel was applied": the emulator's log line comes right after it answered 202.
  const onCancelApplied = new Map<string, () => void>();
  const emu = await startEmulator({
    requestLogSize: Infinity, // the figures below are counted from the whole log
    log: (line) => {
      if (onCancelApplied.size === 0) return;
      const m = /\/queryExecutions\/([^/\s]+)\/actions\/cancel -> 202 /.exec(line);
      const hook = m ? onCancelApplied.get(decodeURIComponent(m[1]!)) : undefined;
      hook?.();
    },
  });
  const creds = await emu.writeCredentials();
  const host = new PluginHost("soak");
  const providerText = await serializeProvider(cancellationProvider);

  const executions = Array.from({ length: o.cancellations }, () => emu.store.addExecution({ lifecycleState: "IN_PROGRESS" }));
  const plans = executions.map((e) => planFor(random, o, e.id));
  const outcomes: Outcome[] = new Array(o.cancellations);
  const kills = { scheduled: 0, done: 0, skipped: 0 };
  let hangs = 0;
  let done = 0;
  const reruns = { afterKill: 0, afterError: 0 };

  const progress = setInterval(() => {
    process.stderr.write(`soak: ${done}/${o.cancellations} converged, ${host.kills} plugin kills, ${Math.round(since(wallStart) / 1000)} s\n`);
  }, 10_000);

  try {
    await runPool(o.cancellations, o.concurrency, async (i) => {
      const { projectId, id } = executions[i]!;
      const plan = plans[i]!;
      for (const fault of plan.faults) emu.faults.add(fault);
      const urn = `urn:pulumi:soak::soak::pulumi-nodejs:dynamic:Resource::cancel-${i}`;
      const news = { projectId, queryExecutionId: id, endpoint: emu.url, configFile: creds.configFile, profile: creds.profile, __provider: providerText };
      const outcome: Outcome = { runs: 0, converged: false, longestCallMs: 0, totalMs: 0, errors: [] };
      outcomes[i] = outcome;
      const first = performance.now();

      for (let run = 0; run <= o.maxReruns && !outcome.converged; run++) {
        outcome.runs = run + 1;
        const { plugin, generation } = await host.acquire();
        let inFlight = true;
        let killTimer: NodeJS.Timeout | undefined;
        if (run === 0 && plan.kill) {
          kills.scheduled += 1;
          const kill = () => {
            onCancelApplied.delete(id);
            if (!inFlight) return void (kills.skipped += 1);
            kills.done += 1;
            void host.kill(generation);
          };
          if (plan.kill.point === "random-delay") killTimer = setTimeout(kill, plan.kill.delayMs);
          else onCancelApplied.set(id, kill);
        }
        const started = performance.now();
        try {
          const result = await withBudget(
            (async () => {
              const checked = await plugin.check(urn, {}, news);
              if (checked.failures.length > 0) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
              return plugin.create(urn, checked.inputs);
            })(),
            o.budgetMs,
          );
          const { outcome: recorded, lifecycleState } = result.properties;
          // A re-run that comes after our own applied cancel finished (CANCELING -> CANCELED) finds
          // the execution terminal; the service's count below says whether it was cancelled once.
          if (recorded === "ALREADY_TERMINAL" && lifecycleState === "CANCELED") outcome.sawOwnCancelFinished = true;
          else if (recorded !== "CANCEL_REQUESTED") throw new Error(`create recorded ${String(recorded)} (${String(lifecycleState)})`);
          outcome.converged = true;
        } catch (e) {
          if (e instanceof Timeout) {
            hangs += 1;
            await host.kill(generation); // a stuck plugin is replaced, as a user would Ctrl-C and re-run
          }
          if (host.liveGeneration !== generation) reruns.afterKill += 1;
          else reruns.afterError += 1;
          outcome.lastError = String((e as Error).message ?? e).slice(0, 300);
          if (outcome.errors.length < 3) outcome.errors.push(outcome.lastError);
        } finally {
          inFlight = false;
          clearTimeout(killTimer);
          if (plan.kill?.point === "after-cancel-applied" && onCancelApplied.has(id)) {
            onCancelApplied.delete(id);
            if (run === 0) kills.skipped += 1;
          }
          outcome.longestCallMs = Math.max(outcome.longestCallMs, since(started));
        }
      }
      outcome.totalMs = since(first);
      done += outcome.converged ? 1 : 0;
    });
  } finally {
    clearInterval(progress);
    await host.close();
  }
  const wallMs = since(wallStart);

  // What the service saw: one pass over the request log and the per-execution cancel counts.
  const log = emu.requests();
  const faultsHit: Record<string, number> = { "5xx": 0, "429": 0, "drop-after": 0, slow: 0 };
  for (const r of log) {
    if (!r.fault) continue;
    if (r.fault.startsWith("delay")) faultsHit.slow! += 1;
    if (/respond 5\d\d/.test(r.fault)) faultsHit["5xx"]! += 1;
    if (r.fault.includes("respond 429")) faultsHit["429"]! += 1;
    if (r.fault.includes("after effect")) faultsHit["drop-after"]! += 1;
  }
  let duplicates = 0;
  const lost: Array<{ id: string; lifecycleState: string; effectiveCancels: number; runs: number; lastError: string }> = [];
  for (const [i, { projectId, id }] of executions.entries()) {
    const effective = emu.effectiveCancels(id);
    duplicates += Math.max(0, effective - 1);
    const state = emu.store.get(projectId, id)?.lifecycleState ?? "";
    const outcome = outcomes[i]!;
    if (effective === 0 || (state !== "CANCELING" && state !== "CANCELED") || !outcome.converged) {
      lost.push({ id, lifecycleState: state, effectiveCancels: effective, runs: outcome.runs, lastError: outcome.lastError ?? "" });
    }
  }
  const byOperation: Record<string, number> = {};
  for (const r of log) byOperation[r.operation] = (byOperation[r.operation] ?? 0) + 1;

  const ordered = outcomes.slice().sort((a, b) => b.totalMs - a.totalMs);
  const report = {
    command: ["npm run soak", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
    options: { ...o, budgetMs: undefined, budgetSeconds: o.budgetMs / 1000 },
    cancellations: o.cancellations,
    converged: outcomes.filter((x) => x.converged).length,
    convergedAsAlreadyCanceled: outcomes.filter((x) => x.sawOwnCancelFinished).length,
    faultsInjected: {
      ...faultsHit,
      // Planned by the seed: a fault whose request never came (the create ended first) is not in faultsHit.
      planned: {
        "5xx": plans.filter((p) => p.faults.some((f) => (f.respond?.status ?? 0) >= 500)).length,
        "429": plans.filter((p) => p.faults.some((f) => f.respond?.status === 429)).length,
        "drop-after": plans.filter((p) => p.faults.some((f) => f.afterEffect)).length,
        slow: plans.filter((p) => p.faults.some((f) => f.delayMs !== undefined)).length,
      },
      pluginKills: kills.done,
      pluginKillsSkipped: kills.skipped,
    },
    duplicateEffectiveCancels: duplicates,
    lostCancellations: lost.length,
    lost: lost.slice(0, 20),
    hangs,
    maxRerunsOfOne: Math.max(0, ...outcomes.map((x) => x.runs - 1)),
    // Failed runs that were run again: because their plugin was killed, or because the create failed.
    failedRuns: reruns,
    longestOperationMs: Math.max(0, ...outcomes.map((x) => x.longestCallMs)),
    longestCancellationMs: ordered[0]?.totalMs ?? 0,
    pluginsStarted: host.startMs.length,
    pluginStartMs: { median: median(host.startMs), max: Math.max(0, ...host.startMs) },
    requests: { total: log.length, byOperation, replays: log.filter((r) => r.replayed).length },
    wallMs,
    cancellationsPerSecond: Math.round((o.cancellations / (wallMs / 1000)) * 10) / 10,
    sampleErrors: sampleErrors(outcomes),
  };
  await emu.close();

  const out = resolve(o.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${summary(report)}\nwritten to ${out}\n`);
  const failed = duplicates > 0 || lost.length > 0 || hangs > 0;
  if (failed) process.stderr.write("soak: FAILED (duplicates, lost cancellations or hangs above zero)\n");
  process.exit(failed ? 1 : 0);
}

/** Up to 10 distinct failure messages, kills' ECONNRESETs last, so the unusual ones show. */
function sampleErrors(outcomes: Outcome[]): string[] {
  const all = new Set(outcomes.flatMap((x) => x.errors));
  return [...all].sort((a, b) => Number(/plugin was stopped/.test(a)) - Number(/plugin was stopped/.test(b))).slice(0, 10);
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function summary(r: {
  cancellations: number;
  converged: number;
  convergedAsAlreadyCanceled: number;
  faultsInjected: Record<string, unknown>;
  duplicateEffectiveCancels: number;
  lostCancellations: number;
  hangs: number;
  maxRerunsOfOne: number;
  longestOperationMs: number;
  longestCancellationMs: number;
  wallMs: number;
  cancellationsPerSecond: number;
  requests: { total: number };
}): string {
  const { planned: _planned, ...hit } = r.faultsInjected;
  return [
    `cancellations               ${r.cancellations} (${r.converged} converged; ${r.convergedAsAlreadyCanceled} re-runs found their earlier cancel already CANCELED)`,
    `faults injected             ${Object.entries(hit).map(([k, v]) => `${k} ${String(v)}`).join(", ")}`,
    `duplicate effective cancels ${r.duplicateEffectiveCancels}`,
    `lost cancellations          ${r.lostCancellations}`,
    `hangs past the budget       ${r.hangs}`,
    `most re-runs of one         ${r.maxRerunsOfOne}`,
    `longest operation           ${(r.longestOperationMs / 1000).toFixed(2)} s (longest cancellation incl. re-runs ${(r.longestCancellationMs / 1000).toFixed(2)} s)`,
    `requests                    ${r.requests.total}`,
    `wall time                   ${(r.wallMs / 1000).toFixed(1)} s (${r.cancellationsPerSecond} cancellations/s)`,
  ].join("\n");
}

runScript("soak", main);
