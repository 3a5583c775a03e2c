// The service's verdict on exactly-once (dev/lib/verdict.ts), which the soak and the bench's
// emulator process both ask: what counts as a duplicate and what as lost, from the service's own
// counts (a stand-in for the emulator's effectiveCancels and store).

import type { Emulator } from "../../emulator/index";
import { verdict } from "../../dev/lib/verdict";

/** A service whose executions (all in project "p") have these states and effective cancel counts. */
function service(executions: Record<string, { state: string; cancels: number }>): Pick<Emulator, "effectiveCancels" | "store"> {
  return {
    effectiveCancels: (id) => executions[id]?.cancels ?? 0,
    store: { get: (_projectId: string, id: string) => (executions[id] ? { lifecycleState: executions[id].state } : undefined) } as unknown as Emulator["store"],
  };
}

const ids = (...names: string[]) => names.map((id) => ({ projectId: "p", id }));

describe("verdict", () => {
  test("counts cancels applied beyond the first as duplicates, and a never-cancelled or still-running execution as lost", () => {
    const emu = service({
      once: { state: "CANCELED", cancels: 1 },
      twice: { state: "CANCELING", cancels: 2 },
      never: { state: "IN_PROGRESS", cancels: 0 },
      finished: { state: "SUCCEEDED", cancels: 1 },
    });
    const result = verdict(emu, ids("once", "twice", "never", "finished"));
    expect({ duplicates: result.duplicates, lost: result.lost.map((l) => [l.id, l.lifecycleState, l.effectiveCancels]) }).toEqual({
      duplicates: 1,
      lost: [
        ["never", "IN_PROGRESS", 0],
        ["finished", "SUCCEEDED", 1],
      ],
    });
  });

  test("an execution cancelled once is still lost when its driver never saw it converge", () => {
    const emu = service({ a: { state: "CANCELING", cancels: 1 } });
    const result = verdict(emu, ids("a"), () => ({ converged: false, runs: 26, lastError: "pulumi up gave no answer" }));
    expect(result.lost).toEqual([{ id: "a", lifecycleState: "CANCELING", effectiveCancels: 1, runs: 26, lastError: "pulumi up gave no answer" }]);
  });
});
