// The ociqueryservice provider plugin (plugin/main.ts, compiled to dist/) spawned and called over
// gRPC as the engine calls it, against the emulator: the same rules as the dynamic provider, the
// plugin's own `ociqueryservice:` configuration, and import by `<projectId>/<queryExecutionId>`.

import * as path from "node:path";
import { PACKAGE_VERSION } from "../../provider/package-info";
import { rejection } from "../helpers/rejection";
import { withEmulator } from "../helpers/with-emulator";
import { startPlugin, PluginError, type Plugin } from "../../dev/plugin-harness/index";

const ROOT = path.resolve(__dirname, "../..");
const SCRIPT = path.join(ROOT, "dist", "plugin", "main.js");
const URN = "urn:pulumi:test::scenario::ociqueryservice:index:QueryExecutionCancellation::c";

jest.setTimeout(120_000);

async function withResourcePlugin<T>(variables: Record<string, string>, fn: (plugin: Plugin) => Promise<T>): Promise<T> {
  const plugin = await startPlugin({ cwd: ROOT, script: SCRIPT });
  try {
    await plugin.configure(variables);
    return await fn(plugin);
  } finally {
    await plugin.stop();
  }
}

test("configure from ociqueryservice: keys, then check, create, read, diff and update, with exactly one cancel", async () => {
  await withEmulator(async (emu, creds) => {
    const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
    const config = { "ociqueryservice:endpoint": emu.url, "ociqueryservice:configFile": creds.configFile };
    await withResourcePlugin(config, async (plugin) => {
      expect(await plugin.getPluginInfo()).toEqual({ version: PACKAGE_VERSION });
      const news = { projectId, queryExecutionId: id };
      const checked = await plugin.check(URN, {}, news);
      expect(checked.failures).toEqual([]);
      expect(emu.requests()).toHaveLength(0);
      const created = await plugin.create(URN, checked.inputs);
      expect(created.properties).toMatchObject({ outcome: "CANCEL_REQUESTED", queryExecutionId: id, ifMatch: "" });
      expect(created.properties).not.toHaveProperty("__provider");
      expect(emu.effectiveCancels(id)).toBe(1);

      const read = await plugin.read(created.id, URN, created.properties);
      expect(read.properties).toMatchObject({ lifecycleState: "CANCELING" });
      expect((await plugin.diff(created.id, URN, read.properties, checked.inputs)).changes).toBe("none");
      const longer = (await plugin.check(URN, checked.inputs, { ...news, waitTimeoutSeconds: 30 })).inputs;
      expect(await plugin.diff(created.id, URN, read.properties, longer)).toMatchObject({ changes: "some", replaces: [] });
      expect((await plugin.update(created.id, URN, read.properties, longer)).properties).toMatchObject({ waitTimeoutSeconds: 30 });
      const retrigger = (await plugin.check(URN, checked.inputs, { ...news, triggers: ["again"] })).inputs;
      expect((await plugin.diff(created.id, URN, read.properties, retrigger)).replaces).toEqual(["triggers"]);
      expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
    });
  });
});

test("check refuses a bad input by name with no request, as the dynamic provider does", async () => {
  await withEmulator(async (emu, creds) => {
    await withResourcePlugin({ "ociqueryservice:endpoint": emu.url, "ociqueryservice:configFile": creds.configFile }, async (plugin) => {
      const checked = await plugin.check(URN, {}, { projectId: "p", queryExecutionId: "e", onNotFound: "maybe" });
      expect(checked.failures).toEqual([{ property: "onNotFound", reason: 'one of "fail", "succeed" expected; got "maybe"' }]);
      expect(emu.requests()).toHaveLength(0);
    });
  });
});

test("import by <projectId>/<queryExecutionId> fills the outputs from the service and sends no cancel", async () => {
  await withEmulator(async (emu, creds) => {
    const { projectId, id } = emu.store.addExecution({ lifecycleState: "CANCELED" });
    await withResourcePlugin({ "ociqueryservice:endpoint": emu.url, "ociqueryservice:configFile": creds.configFile }, async (plugin) => {
      const adopted = await plugin.read(`${projectId}/${id}`, URN, {});
      expect(adopted.id).toBe(`${projectId}/${id}`);
      expect(adopted.properties).toMatchObject({ projectId, queryExecutionId: id, outcome: "ALREADY_TERMINAL", lifecycleState: "CANCELED" });
      expect(adopted.inputs).toEqual({ projectId, queryExecutionId: id });
      expect(emu.requests("CancelQueryExecution")).toHaveLength(0);

      const malformed = await rejection(plugin.read(`${projectId}:${id}`, URN, {}), PluginError);
      expect(malformed.message).toContain("is not <projectId>/<queryExecutionId>");
      const active = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const refused = await rejection(plugin.read(`${active.projectId}/${active.id}`, URN, {}), PluginError);
      expect(refused.message).toContain("nothing has cancelled it");
      expect(emu.requests("CancelQueryExecution")).toHaveLength(0);
    });
  });
});

test("a privateKey given as provider configuration signs the requests and is in no output or log", async () => {
  await withEmulator(async (emu, creds) => {
    const { projectId, id } = emu.store.addExecution({ lifecycleState: "ACCEPTED" });
    const config = {
      "ociqueryservice:endpoint": emu.url,
      "ociqueryservice:privateKey": creds.privateKeyPem,
      "ociqueryservice:tenancyOcid": creds.tenancy,
      "ociqueryservice:userOcid": creds.user,
      "ociqueryservice:fingerprint": creds.fingerprint,
    };
    await withResourcePlugin(config, async (plugin) => {
      const checked = await plugin.check(URN, {}, { projectId, queryExecutionId: id });
      expect(checked.failures).toEqual([]);
      const created = await plugin.create(URN, checked.inputs);
      expect(emu.effectiveCancels(id)).toBe(1);
      const everything = JSON.stringify(created) + plugin.stdout + plugin.stderr;
      const keyBody = creds.privateKeyPem.split("\n")[1]!;
      expect(everything).not.toContain(keyBody);
    });
  });
});

test("invoke listQueryExecutions lists the matches with the provider's configuration", async () => {
  await withEmulator(async (emu, creds) => {
    const wanted = emu.store.addExecution({ lifecycleState: "IN_PROGRESS", name: "adhoc-1" });
    emu.store.addExecution({ lifecycleState: "IN_PROGRESS", name: "nightly" });
    await withResourcePlugin({ "ociqueryservice:endpoint": emu.url, "ociqueryservice:configFile": creds.configFile }, async (plugin) => {
      const listed = await plugin.invoke("ociqueryservice:index:listQueryExecutions", { projectId: wanted.projectId, name: "adhoc-1" });
      expect((listed.items as Array<{ id: string }>).map((item) => item.id)).toEqual([wanted.id]);
      const unknown = await rejection(plugin.invoke("ociqueryservice:index:nope", {}), PluginError);
      expect(unknown.message).toContain("has no function ociqueryservice:index:nope");
    });
  });
});
