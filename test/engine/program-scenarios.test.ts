// Whole programs through the SDK's language runtime and the real dynamic-provider plugin, with
// the harness performing the engine's steps (test infrastructure: no Pulumi CLI exists here).
// Programs and the provider load this package's compiled code: `npm test` builds dist/ first.

import * as path from "node:path";
import type { Emulator, EmulatorCredentials } from "../../emulator/index";
import { withEmulator } from "../helpers/with-emulator";
import { createStack, type RunResult, type Stack } from "./harness/program";

const ROOT = path.resolve(__dirname, "../..");
const QUICKSTART = "dist/examples/quickstart/index.js";
const CLEANUP = "dist/examples/cleanup/index.js";

jest.setTimeout(180_000);

function stackFor(emu: Emulator, creds: EmulatorCredentials, program: string, config: Record<string, unknown>, dir = ROOT): Stack {
  return createStack({
    dir,
    program,
    project: "scenario",
    stack: "test",
    config: { "queryservice:endpoint": emu.url, "queryservice:configFile": creds.configFile, ...config },
  });
}

const posts = (emu: Emulator) => emu.requests("CancelQueryExecution");
const expectOk = (result: RunResult) => expect({ ok: result.ok, errors: result.errors }).toEqual({ ok: true, errors: [] });
const customSteps = (result: RunResult) => result.steps.filter((s) => s.custom).map((s) => s.op);
const cancellation = (stack: Stack, name: string) => stack.state.find((r) => r.custom && r.urn.endsWith(`::${name}`))!;

describe("quick start through the engine's doors", () => {
  test("up cancels once; a second up changes nothing and sends no cancel; destroy sends no request", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const stack = stackFor(emu, creds, QUICKSTART, { projectId, queryExecutionId: id });
      try {
        const first = await stack.up();
        expectOk(first);
        expect(customSteps(first)).toEqual(["create"]);
        expect(first.outputs.outcome!.value).toBe("CANCEL_REQUESTED");
        expect(emu.effectiveCancels(id)).toBe(1);

        const second = await stack.up();
        expectOk(second);
        expect(customSteps(second)).toEqual(["same"]);
        expect(posts(emu)).toHaveLength(1);

        const before = emu.requests().length;
        const destroyed = await stack.destroy();
        expectOk(destroyed);
        expect(destroyed.steps.filter((s) => s.custom).map((s) => s.op)).toEqual(["delete"]);
        expect(emu.requests()).toHaveLength(before);
        expect(stack.state.filter((r) => r.custom)).toEqual([]);
      } finally {
        await stack.stop();
      }
    });
  });

  test("preview sends no POST and changes no state", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const stack = stackFor(emu, creds, QUICKSTART, { projectId, queryExecutionId: id });
      try {
        const preview = await stack.preview();
        expectOk(preview);
        expect(preview.steps.filter((s) => s.custom).map((s) => [s.op, s.status])).toEqual([["create", "planned"]]);
        expect(emu.requests()).toHaveLength(0);
        expect(stack.state).toEqual([]);
      } finally {
        await stack.stop();
      }
    });
  });

  test("preview with inputs unknown until apply sends no request, then up cancels each once", async () => {
    await withEmulator(async (emu, creds) => {
      const a = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const b = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const stack = stackFor(emu, creds, "index.js", { projectId: a.projectId, firstId: a.id, secondId: b.id }, path.join(__dirname, "fixtures/unknown-at-preview"));
      try {
        const preview = await stack.preview();
        expectOk(preview);
        expect(emu.requests()).toHaveLength(0);
        // "second" depends on an output of "first", which does not exist yet: its triggers are unknown.
        expect(preview.steps.filter((s) => s.custom).map((s) => [s.name, s.op, s.status])).toEqual([
          ["first", "create", "planned"],
          ["second", "create", "planned"],
        ]);
        expect(preview.calls.filter((c) => c.method === "check")).toHaveLength(2);

        expectOk(await stack.up());
        expect([emu.effectiveCancels(a.id), emu.effectiveCancels(b.id)]).toEqual([1, 1]);
      } finally {
        await stack.stop();
      }
    });
  });

  test("refresh picks up the new etag and state", async () => {
    await withEmulator(
      async (emu, creds) => {
        const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
        const stack = stackFor(emu, creds, QUICKSTART, { projectId, queryExecutionId: id });
        try {
          expectOk(await stack.up());
          expect(cancellation(stack, "stuck-report").outputs.lifecycleState).toBe("IN_PROGRESS");
          const refreshed = await stack.refresh();
          expectOk(refreshed);
          const now = emu.store.get(projectId, id)!;
          expect(cancellation(stack, "stuck-report").outputs).toMatchObject({ lifecycleState: now.lifecycleState, etag: now.etag });
          expect(now.lifecycleState).toBe("CANCELING");
          expect(posts(emu)).toHaveLength(1);
        } finally {
          await stack.stop();
        }
      },
      { cancelDelayMs: 3_600_000 },
    );
  });

  test("changing triggers replaces and cancels once more with a new token", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const stack = stackFor(emu, creds, QUICKSTART, { projectId, queryExecutionId: id });
      try {
        expectOk(await stack.up());
        emu.store.setState(projectId, id, "IN_PROGRESS"); // restarted by someone: there is something to cancel again
        stack.setConfig("triggers", ["rotate-1"]);
        const replaced = await stack.up();
        expectOk(replaced);
        expect(replaced.steps.filter((s) => s.custom).map((s) => [s.op, s.replaces])).toEqual([["replace", ["triggers"]]]);
        const tokens = posts(emu).map((r) => r.headers["opc-retry-token"]);
        expect(tokens).toHaveLength(2);
        expect(tokens[1]).not.toBe(tokens[0]);
        expect(emu.effectiveCancels(id)).toBe(2);
      } finally {
        await stack.stop();
      }
    });
  });

  test("credentials given as stack config secrets appear nowhere in state or plugin output", async () => {
    await withEmulator(
      async (emu, creds) => {
        const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
        const stack = createStack({
          dir: ROOT,
          program: QUICKSTART,
          project: "scenario",
          stack: "test",
          config: {
            projectId,
            queryExecutionId: id,
            "queryservice:endpoint": emu.url,
            "oci:privateKey": creds.privateKeyPem,
            "oci:privateKeyPassword": creds.passphrase,
            "oci:tenancyOcid": creds.tenancy,
            "oci:userOcid": creds.user,
            "oci:fingerprint": creds.fingerprint,
          },
          secretConfigKeys: ["oci:privateKey", "oci:privateKeyPassword"],
          env: { OCI_CONFIG_FILE: "/nonexistent/config", OCI_CLI_CONFIG_FILE: undefined },
        });
        try {
          const result = await stack.up();
          expectOk(result);
          expect(emu.effectiveCancels(id)).toBe(1);
          const everything = JSON.stringify([stack.exportState(), result.logs, result.stdout, result.stderr, result.outputs]);
          // Every base64 line of the key, and the passphrase, appear nowhere.
          const secrets = [...creds.privateKeyPem.split("\n").filter((l) => l !== "" && !l.startsWith("-----")), creds.passphrase!];
          expect(secrets.filter((secret) => everything.includes(secret))).toEqual([]);
        } finally {
          await stack.stop();
        }
      },
      { credentials: { passphrase: "stack-secret-passphrase-1234" } },
    );
  });
});

describe("cleanup stack through the engine's doors", () => {
  test("cancels every match, and a second run is a no-op", async () => {
    await withEmulator(async (emu, creds) => {
      const matches = [1, 2, 3].map((n) => emu.store.addExecution({ lifecycleState: "IN_PROGRESS", name: `adhoc-${n}` }));
      const other = emu.store.addExecution({ lifecycleState: "IN_PROGRESS", name: "nightly-etl" });
      const stack = stackFor(emu, creds, CLEANUP, { projectId: emu.defaultProjectId, namePattern: "^adhoc-" });
      try {
        const first = await stack.up();
        expectOk(first);
        expect(customSteps(first)).toEqual(["create", "create", "create"]);
        expect(matches.map((m) => emu.effectiveCancels(m.id))).toEqual([1, 1, 1]);
        expect(emu.effectiveCancels(other.id)).toBe(0);

        const second = await stack.up();
        expectOk(second);
        expect(customSteps(second)).toEqual(["same", "same", "same"]);
        expect(posts(emu)).toHaveLength(3);
      } finally {
        await stack.stop();
      }
    });
  });

  test("an up that fails half-way converges when run again, with no duplicate cancel", async () => {
    await withEmulator(async (emu, creds) => {
      const matches = [1, 2, 3].map((n) => emu.store.addExecution({ lifecycleState: "IN_PROGRESS", name: `adhoc-${n}` }));
      const stack = stackFor(emu, creds, CLEANUP, { projectId: emu.defaultProjectId });
      emu.faults.add({ operation: "CancelQueryExecution", queryExecutionId: matches[1]!.id, times: 1, respond: { status: 400, code: "InvalidParameter", message: "injected" } });
      emu.faults.add({ operation: "CancelQueryExecution", queryExecutionId: matches[2]!.id, times: 1, afterEffect: "drop-connection" });
      try {
        const first = await stack.up();
        expect(first.ok).toBe(false);
        expect(first.errors.map((e) => e.message).join("\n")).toMatch(/400 InvalidParameter "injected"/);

        const second = await stack.up();
        expectOk(second);
        expect(matches.map((m) => emu.effectiveCancels(m.id))).toEqual([1, 1, 1]);
        const third = await stack.up();
        expect(customSteps(third)).toEqual(["same", "same", "same"]);
      } finally {
        await stack.stop();
      }
    });
  });
});
