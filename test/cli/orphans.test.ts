// After `kill -9` of `pulumi` alone (its process group; the plugins and the language host run in
// groups of their own), no process of ours may outlive the run: the dynamic-provider plugin runs
// our code and must notice that the engine that started it is gone, finish the call in flight,
// and exit; the program process must not keep anything alive either. README "If `pulumi up` was
// interrupted" states what is left and for how long.

import { commandOf } from "../../dev/pulumi/process-tree";
import { kill, until } from "./helpers/cli-stack";
import { startUp, withQuickstartScene as withScene } from "./helpers/quickstart-scene";

jest.setTimeout(300_000);

/** How long a process of ours may outlive the killed run (generous: the machine is shared). */
const GRACE_MS = 20_000;

/**
 * The processes of a run that run our code, by role: the dynamic-provider plugin and the program
 * (the SDK's cmd/run, which loads this package). The language host is Pulumi's Go binary.
 */
function ours(pids: number[]): Map<number, string> {
  const found = new Map<number, string>();
  for (const pid of pids) {
    const command = commandOf(pid);
    if (/cmd\/(dynamic-provider|run)\/index\.js\b/.test(command)) found.set(pid, command);
  }
  const roles = [...found.values()].map((c) => (c.includes("dynamic-provider") ? "plugin" : "program")).sort();
  expect(roles).toEqual(["plugin", "program"]);
  return found;
}

/** Waits (bounded) until none of `processes` is alive; fails naming the survivors. */
async function expectAllGone(processes: Map<number, string>, what: string): Promise<void> {
  const alive = () => [...processes.keys()].filter((pid) => commandOf(pid) !== "");
  await until(what, () => alive().length === 0, GRACE_MS).catch(() => {
    throw new Error(
      `still running ${GRACE_MS / 1000}s after ${what}:\n${alive()
        .map((pid) => `  ${pid} ${processes.get(pid)}`)
        .join("\n")}`,
    );
  });
}

describe("pulumi's own process group SIGKILLed: no process of ours outlives the run", () => {
  test("killed while a create is in flight: the plugin finishes the cancel, then it and the program exit", async () => {
    await withScene(
      async ({ stack, emu, proxy, id }) => {
        proxy.holdAnswers({ method: "GET", pathIncludes: id });
        const run = startUp(stack);
        await proxy.heldAnswer();
        const started = run.processes();
        try {
          const mine = ours(started);
          run.signal("SIGKILL");
          await run.done;
          proxy.release();
          await until("the orphaned plugin's cancel", () => emu.effectiveCancels(id) === 1);
          await expectAllGone(mine, "the cancel landed");
        } finally {
          for (const pid of started) kill(pid, "SIGKILL");
        }
      },
      { cancelDelayMs: 3_600_000 },
    );
  });

  test("killed while waiting for the terminal state: the plugin stops waiting (the cancel is sent) and exits", async () => {
    await withScene(
      async ({ stack, emu, id }) => {
        const run = startUp(stack);
        await until("a poll after the cancel", () => emu.requests("GetQueryExecution").length >= 2);
        const started = run.processes();
        try {
          const mine = ours(started);
          run.signal("SIGKILL");
          await run.done;
          await expectAllGone(mine, "pulumi was killed");
          expect(emu.effectiveCancels(id)).toBe(1);
        } finally {
          for (const pid of started) kill(pid, "SIGKILL");
        }
      },
      { cancelDelayMs: 3_600_000, config: { waitForTerminalState: "true" } },
    );
  });
});
