// What both soak modes share: the seeded fault plan of one cancellation, where a kill lands, and the
// figures at the end (faults that shaped requests). The service's verdict is dev/lib/verdict.ts.

import type { FaultSpec, RecordedRequest } from "../../emulator/index.js";
import { between, pick } from "./random.js";

/** Probabilities per cancellation, each drawn independently from the seed. */
export interface FaultMix {
  p5xx: number;
  p429: number;
  pDropAfter: number;
  pSlow: number;
}

export const FAULT_FLAGS = `  --p-5xx P           500/502/503/504 answered 1-2 times to its GET or POST (default 0.10)
  --p-429 P           429 with Retry-After: 1 answered once to its GET or POST (default 0.05)
  --p-drop-after P    The cancel POST is applied, then the connection dropped (default 0.05)
  --p-slow P          Its GET or POST answered after 200-3000 ms (default 0.05)`;

const OPERATIONS = ["GetQueryExecution", "CancelQueryExecution"] as const;

/**
 * The faults aimed at one execution, and one more draw the plugin mode uses for its kill. Drawn in
 * a fixed order, so a seed always gives the same plan whatever the probabilities' values.
 */
export function planFaults(random: () => number, mix: FaultMix, queryExecutionId: string): { faults: FaultSpec[]; killDraw: number } {
  const faults: FaultSpec[] = [];
  const draws = [random(), random(), random(), random(), random()];
  if (draws[0]! < mix.p5xx) {
    faults.push({
      operation: pick(random, OPERATIONS),
      queryExecutionId,
      times: between(random, 1, 2),
      respond: { status: pick(random, [500, 502, 503, 504]) },
    });
  }
  if (draws[1]! < mix.p429) {
    faults.push({ operation: pick(random, OPERATIONS), queryExecutionId, times: 1, respond: { status: 429, retryAfter: "1" } });
  }
  if (draws[2]! < mix.pDropAfter) {
    faults.push({ operation: "CancelQueryExecution", queryExecutionId, times: 1, afterEffect: "drop-connection" });
  }
  if (draws[3]! < mix.pSlow) {
    faults.push({ operation: pick(random, OPERATIONS), queryExecutionId, times: 1, delayMs: between(random, 200, 3000) });
  }
  return { faults, killDraw: draws[4]! };
}

/** Where a drawn kill lands: after a random delay, or right after the service applied the cancel. */
export type KillPoint = "random-delay" | "after-cancel-applied";

/** The kill point a draw in [0, 1) picks, evenly. */
export function killPointOf(draw: number): KillPoint {
  return draw < 0.5 ? "random-delay" : "after-cancel-applied";
}

/** The execution id of an emulator log line that reports an accepted cancel ("… -> 202 …"). */
export function acceptedCancel(logLine: string): string | undefined {
  const m = /\/queryExecutions\/([^/\s]+)\/actions\/cancel -> 202 /.exec(logLine);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

/** Requests each fault kind shaped (a 5xx planned for 2 answers counts twice). */
export function faultsHit(log: RecordedRequest[]): Record<"5xx" | "429" | "drop-after" | "slow", number> {
  const hit = { "5xx": 0, "429": 0, "drop-after": 0, slow: 0 };
  for (const r of log) {
    if (!r.fault) continue;
    if (r.fault.startsWith("delay")) hit.slow += 1;
    if (/respond 5\d\d/.test(r.fault)) hit["5xx"] += 1;
    if (r.fault.includes("respond 429")) hit["429"] += 1;
    if (r.fault.includes("after effect")) hit["drop-after"] += 1;
  }
  return hit;
}

/** Cancellations that drew each fault kind. */
export function faultsPlanned(plans: FaultSpec[][]): Record<"5xx" | "429" | "drop-after" | "slow", number> {
  return {
    "5xx": plans.filter((p) => p.some((f) => (f.respond?.status ?? 0) >= 500)).length,
    "429": plans.filter((p) => p.some((f) => f.respond?.status === 429)).length,
    "drop-after": plans.filter((p) => p.some((f) => f.afterEffect)).length,
    slow: plans.filter((p) => p.some((f) => f.delayMs !== undefined)).length,
  };
}

export function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
