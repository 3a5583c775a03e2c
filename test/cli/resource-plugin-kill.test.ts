// The plugin path's crash promise: `pulumi up` of the YAML program SIGKILLed with everything it
// started after the service accepted the cancel, then run again doing what the engine says
// (README "If `pulumi up` was interrupted"): exactly one effective cancel, nothing pending.

import { withEmulator } from "../helpers/with-emulator";
import { changeSummary, CliStack, succeeded } from "./helpers/cli-stack";
import { startHoldingProxy } from "./helpers/holding-proxy";
import { installPlugin } from "./helpers/plugin-tarball";

jest.setTimeout(600_000);

test("killed after the service accepted the cancel: the re-runs the engine asks for send no second cancel", async () => {
  await withEmulator(
    async (emu, creds) => {
      const proxy = await startHoldingProxy(emu.url);
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const stack = await CliStack.init("test/cli/programs/plugin-yaml", {
        "ociqueryservice:endpoint": proxy.url,
        "ociqueryservice:configFile": creds.configFile,
        projectId,
        queryExecutionId: id,
      });
      try {
        await installPlugin(stack);
        proxy.holdAnswers({ method: "POST", pathIncludes: "/actions/cancel" });
        const run = stack.start(["up", ...stack.stackArgs(), "--yes", "--non-interactive", "--skip-preview"]);
        await proxy.heldAnswer();
        run.killAll();
        await run.done;
        proxy.release();
        expect(emu.effectiveCancels(id)).toBe(1);

        const locked = await stack.up();
        expect(locked.output).toContain("the stack is currently locked by 1 lock(s)");
        succeeded(await stack.run(["cancel", "--yes", "--stack", stack.stackName]));
        const rerun = await stack.up();
        succeeded(rerun);
        expect(rerun.output).toContain("pending operations from previous deployment");
        succeeded(await stack.refresh("--clear-pending-creates"));
        const settled = await stack.up();
        succeeded(settled);
        expect(changeSummary(settled.output)).toEqual(["2 unchanged"]);

        expect(emu.effectiveCancels(id)).toBe(1);
        expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
        const state = await stack.exportState();
        expect(state.deployment.pending_operations ?? []).toEqual([]);
        expect((await stack.resources()).map((r) => [r.outputs!.queryExecutionId, r.outputs!.lifecycleState])).toEqual([[id, "CANCELING"]]);
      } finally {
        stack.dispose();
        await proxy.close();
      }
    },
    { cancelDelayMs: 3_600_000 },
  );
});
