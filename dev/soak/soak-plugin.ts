// `npm run soak -- --plugin`: the fast mode. Many cancellations through the real dynamic-provider
// plugin (spawned and called over gRPC like the engine does, no engine), up to --concurrency creates
// in flight on one plugin, whose process group is SIGKILLed in the middle of a create now and then.
// A failed create is run again (on a new plugin when it was killed) until it converges.

import { PROVIDER_MODULE } from "../../provider/provider.js";
import { median } from "../lib/figures.js";
import { runPool, since } from "../lib/pool.js";
import { verdict } from "../lib/verdict.js";
import { PluginHost } from "../plugin-harness/host.js";
import { seededRandom, between } from "./random.js";
import { startSoakEmulator } from "./soak-emulator.js";
import { faultsHit, faultsPlanned, countBy, killPointOf, planFaults, type FaultMix } from "./soak-plan.js";

export interface PluginSoakOptions extends FaultMix {
  cancellations: number;
  seed: string;
  concurrency: number;
  /** Per cancellation: its plugin is SIGKILLed during its create. */
  pKill: number;
  budgetMs: number;
  maxReruns: number;
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
  return Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout(`no answer within ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

export async function soakPlugin(o: PluginSoakOptions) {
  const random = seededRandom(o.seed);
  const wallStart = performance.now();

  const { emu, creds, onCancelApplied, forget } = await startSoakEmulator();
  const host = new PluginHost("soak");
  const providerText = PROVIDER_MODULE; // what QueryExecutionCancellation stores

  const executions = Array.from({ length: o.cancellations }, () => emu.store.addExecution({ lifecycleState: "IN_PROGRESS" }));
  const plans = executions.map((e) => {
    const { faults, killDraw } = planFaults(random, o, e.id);
    const kill = killDraw < o.pKill ? { point: killPointOf(random()), delayMs: between(random, 0, 150) } : undefined;
    return { faults, kill };
  });
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
            forget(id);
            if (!inFlight) return void (kills.skipped += 1);
            kills.done += 1;
            void host.kill(generation);
          };
          if (plan.kill.point === "random-delay") killTimer = setTimeout(kill, plan.kill.delayMs);
          else onCancelApplied(id, kill);
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
          // the execution terminal; the service's count says whether it was cancelled once.
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
          if (plan.kill?.point === "after-cancel-applied" && forget(id) && run === 0) kills.skipped += 1;
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

  const log = emu.requests();
  const { duplicates, lost } = verdict(emu, executions, (i) => outcomes[i]!);
  await emu.close();
  const longest = outcomes.slice().sort((a, b) => b.totalMs - a.totalMs)[0];
  return {
    mode: "plugin" as const,
    cancellations: o.cancellations,
    converged: outcomes.filter((x) => x.converged).length,
    convergedAsAlreadyCanceled: outcomes.filter((x) => x.sawOwnCancelFinished).length,
    faultsInjected: { ...faultsHit(log), planned: faultsPlanned(plans.map((p) => p.faults)), pluginKills: kills.done, pluginKillsSkipped: kills.skipped },
    duplicateEffectiveCancels: duplicates,
    lostCancellations: lost.length,
    lost: lost.slice(0, 20),
    hangs,
    maxRerunsOfOne: Math.max(0, ...outcomes.map((x) => x.runs - 1)),
    // Failed runs that were run again: because their plugin was killed, or because the create failed.
    failedRuns: reruns,
    longestOperationMs: Math.max(0, ...outcomes.map((x) => x.longestCallMs)),
    longestCancellationMs: longest?.totalMs ?? 0,
    pluginsStarted: host.startMs.length,
    pluginStartMs: { median: median(host.startMs), max: Math.max(0, ...host.startMs) },
    requests: { total: log.length, byOperation: countBy(log, (r) => r.operation), replays: log.filter((r) => r.replayed).length },
    wallMs,
    cancellationsPerSecond: Math.round((o.cancellations / (wallMs / 1000)) * 10) / 10,
    sampleErrors: sampleErrors(outcomes),
  };
}

/** Up to 10 distinct failure messages, kills' ECONNRESETs last, so the unusual ones show. */
function sampleErrors(outcomes: Outcome[]): string[] {
  const all = new Set(outcomes.flatMap((x) => x.errors));
  return [...all].sort((a, b) => Number(/plugin was stopped/.test(a)) - Number(/plugin was stopped/.test(b))).slice(0, 10);
}
