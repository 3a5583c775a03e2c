// examples/quickstart, unchanged, through the real `pulumi` CLI against the emulator. The CLI's exit
// code and output, `pulumi stack export` and `pulumi stack output` are the evidence of what the
// engine recorded; the emulator's request log is the evidence of what the service saw.

import type { Emulator, EmulatorCredentials } from "../../emulator/index";
import { withEmulator } from "../helpers/with-emulator";
import { changeSummary, CliStack, succeeded } from "./helpers/cli-stack";

jest.setTimeout(240_000);

const QUICKSTART = "examples/quickstart";

function connection(emu: Emulator, creds: EmulatorCredentials): Record<string, string> {
  return { "queryservice:endpoint": emu.url, "queryservice:configFile": creds.configFile };
}

async function withQuickstart(
  fn: (stack: CliStack, emu: Emulator, execution: { projectId: string; id: string }) => Promise<void>,
  options: { cancelDelayMs?: number } = {},
): Promise<void> {
  await withEmulator(async (emu, creds) => {
    const execution = emu.store.addExecution({ lifecycleState: "IN_PROGRESS", name: "stuck-report" });
    const stack = await CliStack.init(QUICKSTART, {
      ...connection(emu, creds),
      projectId: execution.projectId,
      queryExecutionId: execution.id,
    });
    try {
      await fn(stack, emu, execution);
    } finally {
      stack.dispose();
    }
  }, options);
}

describe("examples/quickstart through pulumi", () => {
  test("preview sends nothing, up cancels once, a second up changes nothing and sends nothing, destroy sends nothing", async () => {
    await withQuickstart(async (stack, emu, { id }) => {
      const preview = await stack.preview();
      succeeded(preview);
      expect(changeSummary(preview.output)).toEqual(["+ 2 to create"]);
      expect(emu.requests()).toEqual([]);
      expect(await stack.resources()).toEqual([]);

      const up = await stack.up();
      succeeded(up);
      expect(changeSummary(up.output)).toEqual(["+ 2 created"]);
      expect(emu.requests().map((r) => r.operation)).toEqual(["GetQueryExecution", "CancelQueryExecution"]);
      expect(emu.effectiveCancels(id)).toBe(1);
      const [recorded] = await stack.resources();
      expect(recorded!.outputs).toMatchObject({ queryExecutionId: id, outcome: "CANCEL_REQUESTED", lifecycleState: "IN_PROGRESS" });
      expect(recorded!.id).toBe(`${id}:${recorded!.outputs!.retryToken}`);
      const outputs = await stack.outputs();
      expect(outputs).toMatchObject({ outcome: "CANCEL_REQUESTED", retryToken: recorded!.outputs!.retryToken });
      expect(outputs.cancelRequestId).toBe(emu.requests("CancelQueryExecution")[0]!.opcRequestId);

      const again = await stack.up();
      succeeded(again);
      expect(changeSummary(again.output)).toEqual(["2 unchanged"]);
      expect(emu.requests()).toHaveLength(2);

      const destroy = await stack.destroy();
      succeeded(destroy);
      expect(changeSummary(destroy.output)).toEqual(["- 2 deleted"]);
      expect(emu.requests()).toHaveLength(2);
      expect(await stack.resources()).toEqual([]);
      expect(emu.effectiveCancels(id)).toBe(1);
    });
  });

  test("refresh records the new etag and state; a purged execution stays recorded as NOT_FOUND and up --refresh does not cancel it again", async () => {
    await withQuickstart(
      async (stack, emu, { projectId, id }) => {
        succeeded(await stack.up());
        const refreshed = await stack.refresh();
        succeeded(refreshed);
        const now = emu.store.get(projectId, id)!;
        expect(now.lifecycleState).toBe("CANCELING");
        expect((await stack.resources())[0]!.outputs).toMatchObject({ lifecycleState: "CANCELING", etag: now.etag, outcome: "CANCEL_REQUESTED" });
        expect(emu.requests().map((r) => r.operation)).toEqual(["GetQueryExecution", "CancelQueryExecution", "GetQueryExecution"]);

        emu.store.purge(projectId, id);
        succeeded(await stack.refresh());
        const [purged] = await stack.resources();
        expect(purged!.outputs).toMatchObject({ lifecycleState: "NOT_FOUND", outcome: "CANCEL_REQUESTED" });

        const upRefresh = await stack.up("--refresh");
        succeeded(upRefresh);
        expect(changeSummary(upRefresh.output)).toEqual(["2 unchanged"]);
        expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
        expect((await stack.resources())[0]!.outputs).toMatchObject({ lifecycleState: "NOT_FOUND" });
      },
      { cancelDelayMs: 3_600_000 },
    );
  });

  test("refresh --yes sends one GET per phase (two) and updates the recorded outputs, while the stack outputs change only at the next up", async () => {
    await withQuickstart(
      async (stack, emu, { projectId, id }) => {
        succeeded(await stack.up());
        expect(await stack.outputs()).toMatchObject({ lifecycleState: "IN_PROGRESS" });
        const before = emu.requests().length;

        succeeded(await stack.run(["refresh", ...stack.stackArgs(), "--yes", "--non-interactive"]));
        expect(
          emu
            .requests()
            .slice(before)
            .map((r) => r.operation),
        ).toEqual(["GetQueryExecution", "GetQueryExecution"]);
        expect(emu.store.get(projectId, id)!.lifecycleState).toBe("CANCELING");
        expect((await stack.resources())[0]!.outputs).toMatchObject({ lifecycleState: "CANCELING" });
        expect(await stack.outputs()).toMatchObject({ lifecycleState: "IN_PROGRESS" });

        succeeded(await stack.up());
        expect(await stack.outputs()).toMatchObject({ lifecycleState: "CANCELING" });
        expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
      },
      { cancelDelayMs: 3_600_000 },
    );
  });

  test("preview --diff names the changed input without provider noise; a triggers change replaces and cancels once more with a new token; a wait setting updates in place with no request", async () => {
    await withQuickstart(async (stack, emu, { projectId, id }) => {
      succeeded(await stack.up());
      emu.store.setState(projectId, id, "IN_PROGRESS"); // restarted by someone: there is something to cancel again
      await stack.setConfig({ triggers: '["rotate-1"]' });

      const diff = await stack.preview("--diff");
      succeeded(diff);
      expect(diff.output).toMatch(/\+-\s*pulumi-nodejs:dynamic\/oci-query-service:QueryExecutionCancellation: \(replace\)/);
      expect(diff.output).toMatch(/triggers\s*: \[/);
      expect(diff.output).toContain('"rotate-1"');
      expect(diff.output).not.toContain("__provider");
      expect(emu.requests()).toHaveLength(2);

      const replaced = await stack.up();
      succeeded(replaced);
      expect(changeSummary(replaced.output)).toEqual(["+-1 replaced", "1 unchanged"]);
      const tokens = emu.requests("CancelQueryExecution").map((r) => r.headers["opc-retry-token"]);
      expect(tokens).toHaveLength(2);
      expect(tokens[1]).not.toBe(tokens[0]);
      expect(emu.effectiveCancels(id)).toBe(2);
      expect((await stack.resources())[0]!.outputs!.retryToken).toBe(tokens[1]);

      const seen = emu.requests().length;
      await stack.setConfig({ waitForTerminalState: "true" });
      const updated = await stack.up();
      succeeded(updated);
      expect(changeSummary(updated.output)).toEqual(["~ 1 updated", "1 unchanged"]);
      expect(emu.requests()).toHaveLength(seen);
      expect((await stack.resources())[0]!.outputs).toMatchObject({ waitForTerminalState: true, retryToken: tokens[1] });
    });
  });
});

describe("a program whose input is unknown at preview", () => {
  test("preview sends no request, then up cancels each execution once", async () => {
    await withEmulator(async (emu, creds) => {
      const a = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const b = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const stack = await CliStack.init("test/cli/programs/unknown-at-preview", {
        ...connection(emu, creds),
        projectId: a.projectId,
        firstId: a.id,
        secondId: b.id,
      });
      try {
        const preview = await stack.preview("--diff");
        succeeded(preview);
        // "second" takes its triggers from an output of "first", which does not exist yet.
        expect(preview.output).toMatch(/triggers\s*: \[\s*\[0\]: \[unknown\]\s*\]/);
        expect(emu.requests()).toEqual([]);

        succeeded(await stack.up());
        expect([emu.effectiveCancels(a.id), emu.effectiveCancels(b.id)]).toEqual([1, 1]);
        const [first, second] = await stack.resources();
        expect(second!.outputs!.triggers).toEqual([first!.outputs!.retryToken]);
      } finally {
        stack.dispose();
      }
    });
  });
});
