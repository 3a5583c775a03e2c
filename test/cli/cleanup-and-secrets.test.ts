// examples/cleanup, unchanged, through the real `pulumi`; and credentials given the way
// @pulumi/oci users give them (`pulumi config set --secret oci:…`), which must reach the provider
// and appear nowhere else.

import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { withEmulator } from "../helpers/with-emulator";
import { changeSummary, CliStack, succeeded } from "./helpers/cli-stack";

jest.setTimeout(240_000);

describe("examples/cleanup through pulumi", () => {
  test("cancels every match once and leaves the rest; a second run is a no-op with one list call", async () => {
    await withEmulator(async (emu, creds) => {
      const matches = [1, 2, 3].map((n) => emu.store.addExecution({ lifecycleState: "IN_PROGRESS", name: `adhoc-${n}` }));
      const other = emu.store.addExecution({ lifecycleState: "IN_PROGRESS", name: "nightly-etl" });
      const stack = await CliStack.init("examples/cleanup", {
        "queryservice:endpoint": emu.url,
        "queryservice:configFile": creds.configFile,
        projectId: emu.defaultProjectId,
        namePattern: "^adhoc-",
      });
      try {
        const first = await stack.up();
        succeeded(first);
        // The stack, the cleanup component and one cancellation per match.
        expect(changeSummary(first.output)).toEqual(["+ 5 created"]);
        expect(matches.map((m) => emu.effectiveCancels(m.id))).toEqual([1, 1, 1]);
        expect(emu.effectiveCancels(other.id)).toBe(0);
        const ids = matches.map((m) => m.id).sort();
        expect((await stack.outputs()).queryExecutionIds).toEqual(ids);
        expect((await stack.resources()).map((r) => r.outputs!.queryExecutionId).sort()).toEqual(ids);

        const seen = emu.requests().length;
        const second = await stack.up();
        succeeded(second);
        expect(changeSummary(second.output)).toEqual(["5 unchanged"]);
        expect(
          emu
            .requests()
            .slice(seen)
            .map((r) => r.operation),
        ).toEqual(["ListQueryExecutions"]);
      } finally {
        stack.dispose();
      }
    });
  });

  test("an up that fails half-way exits non-zero naming the failure, and the next up converges with no duplicate cancel", async () => {
    await withEmulator(async (emu, creds) => {
      const matches = [1, 2, 3].map((n) => emu.store.addExecution({ lifecycleState: "IN_PROGRESS", name: `adhoc-${n}` }));
      emu.faults.add({
        operation: "CancelQueryExecution",
        queryExecutionId: matches[1]!.id,
        times: 1,
        respond: { status: 400, code: "InvalidParameter", message: "injected" },
      });
      emu.faults.add({ operation: "CancelQueryExecution", queryExecutionId: matches[2]!.id, times: 1, afterEffect: "drop-connection" });
      const stack = await CliStack.init("examples/cleanup", {
        "queryservice:endpoint": emu.url,
        "queryservice:configFile": creds.configFile,
        projectId: emu.defaultProjectId,
      });
      try {
        const first = await stack.up();
        expect(first.code).not.toBe(0);
        expect(first.output).toMatch(/CancelQueryExecution failed: 400 InvalidParameter "injected"/);
        // The dropped answer was retried with the same token and replayed: that one is recorded.
        expect((await stack.resources()).map((r) => r.outputs!.queryExecutionId).sort()).toEqual([matches[0]!.id, matches[2]!.id].sort());

        const second = await stack.up();
        succeeded(second);
        expect(changeSummary(second.output)).toEqual(["+ 1 created", "4 unchanged"]);
        expect(matches.map((m) => emu.effectiveCancels(m.id))).toEqual([1, 1, 1]);
        succeeded(await stack.up());
        expect(matches.map((m) => emu.effectiveCancels(m.id))).toEqual([1, 1, 1]);
      } finally {
        stack.dispose();
      }
    });
  });
});

describe("credentials as stack config secrets", () => {
  test("oci:privateKey and the other oci:* secrets sign the requests, are kept only encrypted (settings, the engine's provider record) and appear in no cancellation record, CLI or plugin output, or log", async () => {
    const passphrase = "stack-secret-passphrase-1234";
    await withEmulator(
      async (emu, creds) => {
        const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
        const secrets = {
          "oci:privateKey": creds.privateKeyPem,
          "oci:privateKeyPassword": passphrase,
          "oci:tenancyOcid": creds.tenancy,
          "oci:userOcid": creds.user,
          "oci:fingerprint": creds.fingerprint,
        };
        const stack = await CliStack.init("examples/quickstart", { "queryservice:endpoint": emu.url, projectId, queryExecutionId: id }, secrets);
        // No config file to fall back on: the key can only come from the stack's secrets.
        stack.env.OCI_CONFIG_FILE = path.join(stack.tmp, "no-such-config");
        try {
          const up = await stack.up();
          succeeded(up);
          expect(emu.effectiveCancels(id)).toBe(1);
          expect(emu.requests().every((r) => r.status < 400)).toBe(true);

          const refreshed = await stack.refresh();
          succeeded(refreshed);
          const state = await stack.exportState();
          const everything = [
            up.output,
            refreshed.output,
            JSON.stringify(state),
            readFileSync(stack.configFile, "utf8"),
            ...filesUnder(path.join(stack.tmp, "home")).map((f) => readFileSync(f, "utf8")),
          ].join("\n");
          const keyLines = creds.privateKeyPem.split("\n").filter((l) => l.length > 20 && !l.startsWith("-----"));
          expect(keyLines.length).toBeGreaterThan(3);
          for (const line of keyLines) expect(everything).not.toContain(line);
          expect(everything).not.toContain(passphrase);
          // The stack's settings keep them encrypted. The engine records the stack's config as the
          // inputs of its default pulumi-nodejs provider (the dynamic provider's configure gets
          // them from there), encrypted the same way; the cancellation's own state has none.
          const settings = readFileSync(stack.configFile, "utf8");
          for (const key of Object.keys(secrets)) expect(settings).toMatch(new RegExp(`${key}:\\s+secure: v1:`));
          const provider = state.deployment.resources!.find((r) => r.type === "pulumi:providers:pulumi-nodejs")!;
          for (const key of Object.keys(secrets)) expect(provider.inputs![key]).toEqual({ [SECRET_SIG]: SECRET_VALUE, ciphertext: expect.any(String) });
          const cancellation = JSON.stringify((await stack.resources())[0]);
          for (const value of Object.values(secrets)) expect(cancellation).not.toContain(value);
        } finally {
          stack.dispose();
        }
      },
      { credentials: { passphrase } },
    );
  });
});

// How a secret value is marked in a checkpoint (Pulumi's resource.SecretSig).
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}
