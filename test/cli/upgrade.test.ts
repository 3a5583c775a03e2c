// A stack written by an earlier version of the package (its `__provider` the serialized
// trampoline), taken over by this one (the fixed PROVIDER_MODULE text), through the real `pulumi`
// CLI: nothing is re-cancelled or shown as changed, and refresh and destroy still run.

import { PROVIDER_MODULE } from "../../provider/provider";
import { withEmulator } from "../helpers/with-emulator";
import { changeSummary, CliStack, succeeded } from "./helpers/cli-stack";

jest.setTimeout(240_000);

test("an upgrade changes nothing and sends nothing; refresh and destroy still work on the old state", async () => {
  await withEmulator(async (emu, creds) => {
    const execution = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
    const stack = await CliStack.init("test/cli/programs/upgrade", {
      "queryservice:endpoint": emu.url,
      "queryservice:configFile": creds.configFile,
      projectId: execution.projectId,
      queryExecutionId: execution.id,
      declaredAs: "earlier",
    });
    try {
      succeeded(await stack.up());
      expect(emu.effectiveCancels(execution.id)).toBe(1);
      const [earlier] = await stack.resources();
      const serialized = earlier!.inputs!.__provider as string;
      expect(serialized).toContain("routeCall");
      expect(serialized).not.toBe(PROVIDER_MODULE);

      await stack.ok(["config", "rm", ...stack.stackArgs(), "declaredAs"]);
      const seen = emu.requests().length;
      const upgraded = await stack.up();
      succeeded(upgraded);
      expect(changeSummary(upgraded.output)).toEqual(["2 unchanged"]);
      expect(emu.requests()).toHaveLength(seen);
      const [after] = await stack.resources();
      expect(after!.id).toBe(earlier!.id);
      // The engine takes the new inputs; the outputs keep what the earlier version wrote until an update.
      expect(after!.inputs!.__provider).toBe(PROVIDER_MODULE);
      expect(after!.outputs).toEqual(earlier!.outputs);

      const refreshed = await stack.refresh();
      succeeded(refreshed);
      expect(
        emu
          .requests()
          .slice(seen)
          .map((r) => r.operation),
      ).toEqual(["GetQueryExecution"]);
      const observed = emu.store.get(execution.projectId, execution.id)!.lifecycleState;
      expect(["CANCELING", "CANCELED"]).toContain(observed);
      expect((await stack.resources())[0]!.outputs).toMatchObject({ lifecycleState: observed, outcome: "CANCEL_REQUESTED" });

      succeeded(await stack.up());
      succeeded(await stack.destroy());
      expect(await stack.resources()).toEqual([]);
      expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
    } finally {
      stack.dispose();
    }
  });
});
