// cancellationProvider as the engine drives it: the PROVIDER_MODULE text QueryExecutionCancellation
// stores (and, for states written by earlier versions, the trampoline serialized as
// dynamic.Resource does), loaded by the SDK's real dynamic-provider plugin, called over gRPC. The
// plugin loads this package's compiled implementation (dist/, built by `npm test` first).

import * as path from "node:path";
import { cancellationProvider, PROVIDER_MODULE } from "../../provider/provider";
import { rejection } from "../helpers/rejection";
import { withEmulator } from "../helpers/with-emulator";
import { serializeProvider, startPlugin, PluginError, type Plugin } from "../../dev/plugin-harness/index";

const ROOT = path.resolve(__dirname, "../..");
const URN = "urn:pulumi:test::scenario::pulumi-nodejs:dynamic/oci-query-service:QueryExecutionCancellation::c";

jest.setTimeout(120_000);

const providerText = PROVIDER_MODULE;
let serializedTrampoline: string;
beforeAll(async () => {
  serializedTrampoline = await serializeProvider(cancellationProvider);
});

async function withPlugin<T>(config: Record<string, string>, fn: (plugin: Plugin) => Promise<T>): Promise<T> {
  const plugin = await startPlugin({ cwd: ROOT, config });
  try {
    await plugin.configure(config);
    return await fn(plugin);
  } finally {
    await plugin.stop();
  }
}

test.each([
  ["the fixed module QueryExecutionCancellation stores", () => providerText],
  ["the serialized trampoline earlier versions stored", () => serializedTrampoline],
])("%s: configure, check, create, read, diff, update and delete over gRPC, with one cancel", async (_stored, stored) => {
  const providerText = stored();
  await withEmulator(async (emu, creds) => {
    const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
    const config = { "queryservice:endpoint": emu.url, "queryservice:configFile": creds.configFile };
    await withPlugin(config, async (plugin) => {
      const news = { projectId, queryExecutionId: id, __provider: providerText };
      const checked = await plugin.check(URN, {}, news);
      expect(checked.failures).toEqual([]);
      const created = await plugin.create(URN, checked.inputs);
      expect(created.properties).toMatchObject({ outcome: "CANCEL_REQUESTED", queryExecutionId: id, ifMatch: "" });
      expect(emu.effectiveCancels(id)).toBe(1);

      const read = await plugin.read(created.id, URN, created.properties);
      expect(read.properties).toMatchObject({ lifecycleState: "CANCELING" });
      expect(read.properties.__provider).toBe(providerText);

      const same = await plugin.diff(created.id, URN, read.properties, checked.inputs);
      expect(same.changes).toBe("none");
      const longer = (await plugin.check(URN, checked.inputs, { ...news, waitTimeoutSeconds: 30 })).inputs;
      const diff = await plugin.diff(created.id, URN, read.properties, longer);
      expect([diff.changes, diff.replaces]).toEqual(["some", []]);
      const updated = await plugin.update(created.id, URN, read.properties, longer);
      expect(updated.properties).toMatchObject({ waitTimeoutSeconds: 30, outcome: "CANCEL_REQUESTED" });

      const before = emu.requests().length;
      await plugin.delete(created.id, URN, updated.properties);
      expect(emu.requests()).toHaveLength(before);
      expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
    });
  });
});

test("check failures name each property and reach no service", async () => {
  await withEmulator(async (emu, creds) => {
    const config = { "queryservice:endpoint": emu.url, "queryservice:configFile": creds.configFile };
    await withPlugin(config, async (plugin) => {
      const checked = await plugin.check(URN, {}, { projectId: "p", queryExecutionId: "", retryToken: "bad token", __provider: providerText });
      expect(checked.failures.map((f) => f.property)).toEqual(["queryExecutionId", "retryToken"]);
      expect(emu.requests()).toHaveLength(0);
    });
  });
});

test("a create interrupted after the POST (plugin killed), run again in a new plugin, cancels once", async () => {
  await withEmulator(
    async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const config = { "queryservice:endpoint": emu.url, "queryservice:configFile": creds.configFile };
      // The cancel is applied, then its answer is held back long enough to kill the plugin.
      emu.faults.add({ operation: "CancelQueryExecution", times: 1, afterEffect: "drop-connection", delayMs: 200 });
      const news = { projectId, queryExecutionId: id, __provider: providerText };
      const first = await startPlugin({ cwd: ROOT, config });
      try {
        await first.configure(config);
        const inputs = (await first.check(URN, {}, news)).inputs;
        const attempt = first.create(URN, inputs).then(
          () => "created",
          (e: unknown) => (e instanceof PluginError ? "failed" : String(e)),
        );
        while (emu.requests("CancelQueryExecution").length === 0) await new Promise((r) => setTimeout(r, 5));
        await first.stop(); // killed mid-create, as a crash or Ctrl-C would
        expect(await attempt).toBe("failed");
      } finally {
        await first.stop();
      }
      await withPlugin(config, async (second) => {
        const inputs = (await second.check(URN, {}, news)).inputs;
        const created = await second.create(URN, inputs);
        expect(created.properties).toMatchObject({ outcome: "CANCEL_REQUESTED", lifecycleState: "CANCELING" });
      });
      expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
      expect(emu.effectiveCancels(id)).toBe(1);
      // CANCELING outlasts the re-run however loaded the machine, so the re-run finds the cancel under way.
    },
    { cancelDelayMs: 600_000 },
  );
});

test("a wait that times out is reported as created-but-failed-to-initialise, so the engine keeps the record", async () => {
  await withEmulator(
    async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const config = { "queryservice:endpoint": emu.url, "queryservice:configFile": creds.configFile };
      await withPlugin(config, async (plugin) => {
        const news = { projectId, queryExecutionId: id, waitForTerminalState: true, waitTimeoutSeconds: 1, __provider: providerText };
        const inputs = (await plugin.check(URN, {}, news)).inputs;
        const error = await rejection(plugin.create(URN, inputs), PluginError);
        expect(error.initFailure!.id).toMatch(new RegExp(`^${id}:qec1-`));
        expect(error.initFailure!.properties).toMatchObject({ outcome: "CANCEL_REQUESTED", lifecycleState: "CANCELING" });
        expect(error.message).toMatch(/still CANCELING after 1s/);
        expect(plugin.logs.map((l) => l.message).join("\n")).toMatch(/Waiting for the query execution .*: CANCELING after \d+s \(up to 1s\)/);
        expect(emu.effectiveCancels(id)).toBe(1);
      });
    },
    { cancelDelayMs: 3_600_000 },
  );
});
