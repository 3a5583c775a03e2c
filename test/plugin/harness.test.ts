// Self-tests of dev/plugin-harness/: the SDK's real dynamic-provider plugin, driven over gRPC, with a
// fixture provider whose every call leaves a line in a journal file.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { groupAlive, PluginError, serializeProvider, startPlugin, UNKNOWN, type Plugin } from "../../dev/plugin-harness/index.js";

const fixture = path.join(__dirname, "fixtures");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { provider } = require(path.join(fixture, "journal-provider.js")) as { provider: object };

const urn = (name: string) => `urn:pulumi:dev::journal::pulumi-nodejs:dynamic:Resource::${name}`;
const readJournal = (store: string) =>
  fs
    .readFileSync(path.join(store, "journal.log"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { op: string; id?: string; value?: string });

let plugin: Plugin;
let providerText: string;
let store: string;

beforeAll(async () => {
  [plugin, providerText] = await Promise.all([
    startPlugin({ cwd: fixture, project: "journal", config: { "journal:greeting": "hello" } }),
    serializeProvider(provider),
  ]);
  await plugin.configure({ "journal:greeting": "hello" });
});

afterAll(async () => {
  await plugin?.stop();
});

beforeEach(() => {
  store = fs.mkdtempSync(path.join(os.tmpdir(), "harness-plugin-"));
});

afterEach(() => {
  fs.rmSync(store, { recursive: true, force: true });
});

describe("startPlugin", () => {
  test("reports the SDK version from GetPluginInfo", async () => {
    const sdk = JSON.parse(fs.readFileSync(require.resolve("@pulumi/pulumi/package.json"), "utf8")) as { version: string };
    expect(await plugin.getPluginInfo()).toEqual({ version: sdk.version });
  });

  test("serializeProvider produces the module text the plugin loads", () => {
    expect(providerText).toContain("exports.handler");
    expect(providerText).toContain("injected create failure");
  });

  test("configure, check, create, read, update and delete round-trip through the real plugin", async () => {
    const news = { store, name: "a", value: "1", key: "k", __provider: providerText };
    const checked = await plugin.check(urn("a"), {}, news);
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toEqual(news);

    const created = await plugin.create(urn("a"), checked.inputs);
    expect(created.id).toMatch(/^a-[0-9a-f]{8}$/);
    // The configure hook ran with the stack config before the first call.
    expect(created.properties).toMatchObject({ value: "1", greeting: "hello", generation: 1, __provider: providerText });

    const read = await plugin.read(created.id, urn("a"), created.properties);
    expect(read).toEqual({ id: created.id, properties: { ...created.properties } });

    const diff = await plugin.diff(created.id, urn("a"), created.properties, { ...news, value: "2" });
    expect(diff).toMatchObject({ changes: "some", replaces: [], deleteBeforeReplace: false });
    const updated = await plugin.update(created.id, urn("a"), created.properties, { ...news, value: "2" });
    expect(updated.properties).toMatchObject({ value: "2", generation: 2 });

    await plugin.delete(created.id, urn("a"), updated.properties);
    expect(fs.existsSync(path.join(store, `${created.id}.json`))).toBe(false);
    expect(readJournal(store).map((e) => e.op)).toEqual(["check", "create", "read", "diff", "update", "delete"]);
  });

  test("returns check failures per property", async () => {
    const checked = await plugin.check(urn("bad"), {}, { store, name: "bad", value: 3, __provider: providerText });
    expect(checked.failures).toEqual([{ property: "value", reason: "a string expected; got number" }]);
  });

  test("diff reports a replacement when the provider names a property", async () => {
    const olds = { store, name: "a", value: "1", key: "k", __provider: providerText };
    const diff = await plugin.diff("a-1", urn("a"), olds, { ...olds, key: "other", deleteBeforeReplace: true });
    expect(diff).toMatchObject({ changes: "some", replaces: ["key"], deleteBeforeReplace: true });
    expect(await plugin.diff("a-1", urn("a"), olds, olds)).toMatchObject({ changes: "none", replaces: [] });
  });

  test("passes the unknown sentinel to the provider as a plain string", async () => {
    const news = { store, name: "u", value: UNKNOWN, key: "k", __provider: providerText };
    const checked = await plugin.check(urn("u"), {}, news);
    expect(checked).toEqual({ inputs: news, failures: [] });
  });

  test("a failing create becomes a PluginError carrying the provider's message", async () => {
    fs.writeFileSync(path.join(store, "fail-create-f"), "");
    const error = await plugin.create(urn("f"), { store, name: "f", value: "1", key: "k", __provider: providerText }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginError);
    expect(error).toMatchObject({ method: "create", code: 2, codeName: "UNKNOWN", message: "injected create failure for f" });
    expect((error as PluginError).initFailure).toBeUndefined();
  });

  test("a create that fails to initialise reports the id and properties the engine records", async () => {
    fs.writeFileSync(path.join(store, "initfail-create-i"), "");
    const error = (await plugin.create(urn("i"), { store, name: "i", value: "1", key: "k", __provider: providerText }).catch((e: unknown) => e)) as PluginError;
    expect(error.message).toBe("injected init failure for i");
    expect(error.initFailure).toEqual({
      id: expect.stringMatching(/^i-/),
      properties: expect.objectContaining({ value: "1", greeting: "hello" }),
      reasons: ["not healthy yet"],
    });
  });

  test("collects the provider's pulumi.log and console output as log lines", async () => {
    const created = await plugin.create(urn("l"), { store, name: "l", value: "1", key: "k", __provider: providerText });
    await waitFor(() => plugin.logs.some((l) => l.message === `progress: ${created.id} ready`));
    expect(plugin.logs).toEqual(
      expect.arrayContaining([
        { severity: "info", message: `created ${created.id}`, urn: "", source: "stdout" },
        { severity: "info", message: `progress: ${created.id} ready`, urn: "", source: "stdout" },
      ]),
    );
    expect(plugin.stdout).toContain(`info: [runtime] created ${created.id}`);
  });

  test("records every call in order, with the error of a failed one", async () => {
    // A plugin of its own: what the shared one recorded depends on which tests ran before.
    const own = await startPlugin({ cwd: fixture, project: "journal", config: { "journal:greeting": "hello" } });
    try {
      await own.configure({ "journal:greeting": "hello" });
      await own.getPluginInfo();
      const news = { store, name: "f", value: "1", key: "k", __provider: providerText };
      await own.check(urn("f"), {}, news);
      fs.writeFileSync(path.join(store, "fail-create-f"), "");
      await expect(own.create(urn("f"), news)).rejects.toBeInstanceOf(PluginError);
      expect(own.calls.map((c) => c.method)).toEqual(["configure", "getPluginInfo", "check", "create"]);
      expect(own.calls.map((c) => c.error)).toEqual([undefined, undefined, undefined, "injected create failure for f"]);
      expect(own.calls[3]).toMatchObject({ method: "create", urn: urn("f") });
    } finally {
      await own.stop();
    }
  });
});

describe("Plugin.stop", () => {
  test("leaves no process of the plugin's group behind", async () => {
    const own = await startPlugin({ cwd: fixture });
    expect(groupAlive(own.pid)).toBe(true);
    await own.stop();
    expect(groupAlive(own.pid)).toBe(false);
    expect(() => process.kill(own.pid, 0)).toThrow();
    await own.stop(); // idempotent
  });

  test("rejects calls made after stop with a clear message", async () => {
    const own = await startPlugin({ cwd: fixture });
    await own.stop();
    await expect(own.getPluginInfo()).rejects.toBeInstanceOf(PluginError);
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
