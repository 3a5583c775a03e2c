// The heart of the promise: `pulumi up` interrupted at the worst moments (SIGKILL of the whole
// process group, or Ctrl-C), then run again the way a user would, doing what the engine says.
// Each case must end with exactly one effective cancel and a clean state: no lock, no pending
// operation, the cancellation recorded once. README "If `pulumi up` was interrupted" quotes
// the engine's words asserted here.

import { deriveRetryToken } from "../../provider/retry-token";
import { changeSummary, CliStack, kill, until, type CliResult } from "./helpers/cli-stack";
import { startUp, withQuickstartScene as withScene, type Scene } from "./helpers/quickstart-scene";

jest.setTimeout(300_000);

const LOCKED = "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.";
const PENDING = "warning: Attempting to deploy or update resources with 1 pending operations from previous deployment.";
const INTERRUPTED_CREATE = /\* urn:pulumi:\S+::stuck-report, interrupted while creating/;
const CLEAR_HINT = "Note that `pulumi refresh` will need to be run interactively to clear pending CREATE operations.";

/**
 * After a killed `pulumi up`, does what the engine asks, as a user would: the next command says
 * the stack is locked and names `pulumi cancel`; the next `up` warns of the interrupted create
 * and creates it again; `pulumi refresh --clear-pending-creates` (the non-interactive form the
 * warning points to) clears the record of it. Returns the outputs of each step.
 */
async function recoverAfterKill(stack: CliStack): Promise<{ locked: CliResult; up: CliResult; cleared: CliResult; again: CliResult }> {
  const locked = await stack.up();
  expect(locked.code).not.toBe(0);
  expect(locked.output).toContain(LOCKED);
  const cancel = await stack.run(["cancel", "--yes", "--stack", stack.stackName]);
  expect(cancel.code).toBe(0);
  expect(cancel.output).toContain(`The currently running update for '${stack.stackName}' has been canceled!`);

  const up = await stack.up();
  expect(up.code).toBe(0);
  expect(up.output).toContain(PENDING);
  expect(up.output).toMatch(INTERRUPTED_CREATE);
  expect(up.output).toContain(CLEAR_HINT);

  const cleared = await stack.refresh("--clear-pending-creates");
  expect(cleared.code).toBe(0);
  const again = await stack.up();
  expect(again.code).toBe(0);
  expect(again.output).not.toContain("pending operations");
  expect(changeSummary(again.output)).toEqual(["2 unchanged"]);
  return { locked, up, cleared, again };
}

/** Exactly one effective cancel, one recorded cancellation, nothing pending. */
async function expectCleanEnd(scene: Scene): Promise<void> {
  expect(scene.emu.effectiveCancels(scene.id)).toBe(1);
  const state = await scene.stack.exportState();
  expect(state.deployment.pending_operations ?? []).toEqual([]);
  const recorded = (state.deployment.resources ?? []).filter((r) => r.type.endsWith("QueryExecutionCancellation"));
  expect(recorded.map((r) => r.outputs!.queryExecutionId)).toEqual([scene.id]);
}

describe("pulumi up killed with everything it started (SIGKILL, as when the machine is lost), then run again as the engine asks", () => {
  test("(a) before the cancel POST: the re-run sends it, once, with the token the first run would have used", async () => {
    await withScene(async (scene) => {
      const { stack, emu, proxy } = scene;
      proxy.holdAnswers({ method: "GET", pathIncludes: scene.id });
      const run = startUp(stack);
      await proxy.heldAnswer();
      run.killAll();
      await run.done;
      proxy.release();
      expect(emu.requests("CancelQueryExecution")).toEqual([]);
      expect((await stack.exportState()).deployment.pending_operations?.map((p) => p.type)).toEqual(["creating"]);

      const etag = emu.store.get(scene.projectId, scene.id)!.etag;
      const { up } = await recoverAfterKill(stack);
      expect(changeSummary(up.output)).toEqual(["+ 1 created", "1 unchanged"]);
      await expectCleanEnd(scene);
      expect((await stack.resources())[0]!.outputs).toMatchObject({ outcome: "CANCEL_REQUESTED" });
      const token = deriveRetryToken({ projectId: scene.projectId, queryExecutionId: scene.id, etag, triggers: [] });
      expect(emu.requests("CancelQueryExecution").map((r) => r.headers["opc-retry-token"])).toEqual([token]);
    });
  });

  test("(b) after the service accepted the cancel, before the engine recorded it: the re-run finds it under way and sends nothing", async () => {
    await withScene(
      async (scene) => {
        const { stack, emu, proxy } = scene;
        proxy.holdAnswers({ method: "POST", pathIncludes: "/actions/cancel" });
        const run = startUp(stack);
        await proxy.heldAnswer();
        run.killAll();
        await run.done;
        proxy.release(); // the answer goes nowhere: the engine that asked is gone
        expect(emu.effectiveCancels(scene.id)).toBe(1);

        await recoverAfterKill(stack);
        await expectCleanEnd(scene);
        expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
        // The lost answer's request id cannot be known; the record says the cancel is under way.
        expect((await stack.resources())[0]!.outputs).toMatchObject({ outcome: "CANCEL_REQUESTED", lifecycleState: "CANCELING", cancelRequestId: "" });
      },
      { cancelDelayMs: 3_600_000 },
    );
  });

  test("(c) while waiting for the terminal state: the re-run sends nothing and waits for CANCELED", async () => {
    await withScene(
      async (scene) => {
        const { stack, emu, projectId, id } = scene;
        const run = startUp(stack);
        await until("a poll after the cancel", () => emu.requests("GetQueryExecution").length >= 2);
        run.killAll();
        await run.done;
        expect(emu.store.get(projectId, id)!.lifecycleState).toBe("CANCELING");

        await recoverAfterKill(stack);
        await expectCleanEnd(scene);
        expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
        expect((await stack.resources())[0]!.outputs).toMatchObject({ lifecycleState: "CANCELED", waitForTerminalState: true });
      },
      { cancelDelayMs: 8_000, config: { waitForTerminalState: "true" } },
    );
  });
});

describe("with PULUMI_SKIP_CHECKPOINTS=true, as README advises for large cleanup stacks", () => {
  test("killed after the service accepted the cancel: nothing of the run was recorded, and the re-run finds it under way and sends nothing", async () => {
    await withScene(
      async (scene) => {
        const { stack, emu, proxy } = scene;
        stack.env.PULUMI_SKIP_CHECKPOINTS = "true";
        proxy.holdAnswers({ method: "POST", pathIncludes: "/actions/cancel" });
        const run = startUp(stack);
        await proxy.heldAnswer();
        run.killAll();
        await run.done;
        proxy.release();
        expect(emu.effectiveCancels(scene.id)).toBe(1);
        // The state is written once, at the end: the killed run left no record and no pending operation.
        const state = await stack.exportState();
        expect(state.deployment.pending_operations ?? []).toEqual([]);
        expect(await stack.resources()).toEqual([]);

        const locked = await stack.up();
        expect(locked.output).toContain(LOCKED);
        expect((await stack.run(["cancel", "--yes", "--stack", stack.stackName])).code).toBe(0);
        const up = await stack.up();
        expect(up.code).toBe(0);
        expect(changeSummary(up.output)).toEqual(["+ 2 created"]);
        await expectCleanEnd(scene);
        expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
        expect((await stack.resources())[0]!.outputs).toMatchObject({ outcome: "CANCEL_REQUESTED", lifecycleState: "CANCELING" });
      },
      { cancelDelayMs: 3_600_000 },
    );
  });
});

describe("pulumi's own process group SIGKILLed (kill -9 -- -PGID): the engine's plugins run in process groups of their own", () => {
  test("killed before the cancel POST: the orphaned plugin still finishes the create it had begun, and the re-run sends nothing", async () => {
    await withScene(
      async (scene) => {
        const { stack, emu, proxy } = scene;
        proxy.holdAnswers({ method: "GET", pathIncludes: scene.id });
        const run = startUp(stack);
        await proxy.heldAnswer();
        const started = run.processes();
        try {
          run.signal("SIGKILL");
          await run.done;
          proxy.release();
          await until("the orphaned plugin's cancel", () => emu.effectiveCancels(scene.id) === 1);

          const { up } = await recoverAfterKill(stack);
          expect(changeSummary(up.output)).toEqual(["+ 1 created", "1 unchanged"]);
          await expectCleanEnd(scene);
          expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
          expect((await stack.resources())[0]!.outputs).toMatchObject({ outcome: "CANCEL_REQUESTED", lifecycleState: "CANCELING" });
        } finally {
          for (const pid of started) kill(pid, "SIGKILL");
        }
      },
      { cancelDelayMs: 3_600_000 },
    );
  });
});

describe("pulumi up interrupted with Ctrl-C (SIGINT to the process group)", () => {
  test("while the cancel's answer is in flight: the engine finishes the create, records it, and a re-run has nothing to do", async () => {
    await withScene(async (scene) => {
      const { stack, emu, proxy } = scene;
      proxy.holdAnswers({ method: "POST", pathIncludes: "/actions/cancel" });
      const run = startUp(stack);
      await proxy.heldAnswer();
      run.signal("SIGINT");
      await until("the CLI to acknowledge Ctrl-C", () => run.output().includes("^C received; cancelling."));
      proxy.release();
      const interrupted = await run.done;
      expect(interrupted.output).toContain("If you would like to terminate immediately, press ^C again.");
      expect(emu.effectiveCancels(scene.id)).toBe(1);

      const again = await stack.up();
      expect(again.code).toBe(0);
      expect(again.output).not.toContain("pending operations");
      await expectCleanEnd(scene);
      expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
    });
  });
});
