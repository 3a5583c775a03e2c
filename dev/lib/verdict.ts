// The service's verdict on exactly-once, from the emulator's own counts: duplicates = Σ max(0,
// cancels applied − 1); lost = executions never cancelled, not CANCELING/CANCELED now, or whose
// driver never saw its cancellation converge. The soak and the bench's emulator process both ask it.

import type { Emulator } from "../../emulator/index.js";

export interface Lost {
  id: string;
  lifecycleState: string;
  effectiveCancels: number;
  runs: number;
  lastError: string;
}

/** What the driver saw of one execution's cancellation; the bench, which does not re-run, says converged. */
export interface DriverOutcome {
  converged: boolean;
  runs: number;
  lastError?: string;
}

const SEEN_CONVERGED: DriverOutcome = { converged: true, runs: 1 };

export function verdict(
  emu: Pick<Emulator, "effectiveCancels" | "store">,
  executions: Array<{ projectId: string; id: string }>,
  outcome: (index: number) => DriverOutcome = () => SEEN_CONVERGED,
): { duplicates: number; lost: Lost[] } {
  let duplicates = 0;
  const lost: Lost[] = [];
  for (const [i, { projectId, id }] of executions.entries()) {
    const effective = emu.effectiveCancels(id);
    duplicates += Math.max(0, effective - 1);
    const state = emu.store.get(projectId, id)?.lifecycleState ?? "";
    const o = outcome(i);
    if (effective === 0 || (state !== "CANCELING" && state !== "CANCELED") || !o.converged) {
      lost.push({ id, lifecycleState: state, effectiveCancels: effective, runs: o.runs, lastError: o.lastError ?? "" });
    }
  }
  return { duplicates, lost };
}
