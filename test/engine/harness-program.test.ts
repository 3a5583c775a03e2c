// Self-tests of the program-level harness: the journal fixture program run through the SDK's language
// runtime, its dynamic resources sent to the real plugin, with state kept between runs.
import * as fs from "node:fs";
import * as path from "node:path";
import { groupAlive } from "./harness/process-group.js";
import { UNKNOWN } from "./harness/wire.js";
import { byName, effects, journalStack, opsByName, readJournal, storesRemovedAfterAll } from "./fixtures/journal-helpers.js";

const store = storesRemovedAfterAll();

describe("Stack.preview", () => {
  test("runs Check and Diff only, passes unknown inputs as the sentinel, and records nothing", async () => {
    const dir = store();
    const stack = journalStack(dir, [
      { name: "a", value: "1" },
      { name: "b", value: "2", valueFromIdOf: "a" },
    ]);
    const result = await stack.preview();
    expect(result.errors).toEqual([]);
    expect(opsByName(result.steps)).toEqual({ "journal-dev": "create", a: "create", b: "create" });
    expect(result.steps.every((s) => s.status === "planned")).toBe(true);
    expect(result.calls.map((c) => c.method)).not.toContain("create");
    expect(readJournal(dir)).toEqual([
      { op: "check", name: "a", value: "1" },
      { op: "check", name: "b", value: UNKNOWN },
    ]);
    expect(result.outputs.a).toEqual({ value: UNKNOWN, secret: false });
    expect(stack.state).toEqual([]);
  });
});

describe("Stack.up", () => {
  test("creates every resource, and a second up is all same", async () => {
    const dir = store();
    const stack = journalStack(dir, [
      { name: "a", value: "1" },
      { name: "b", value: "2", valueFromIdOf: "a", group: true },
    ]);
    const first = await stack.up();
    expect(first.errors).toEqual([]);
    expect(first.changes).toEqual({ create: 4 });
    expect(readJournal(dir).filter((e) => e.op === "create").map((e) => e.name)).toEqual(["a", "b"]);
    const a = byName(stack, "a")!;
    const b = byName(stack, "b")!;
    expect(a).toMatchObject({ type: "pulumi-nodejs:dynamic:Resource", custom: true, id: expect.stringMatching(/^a-/) });
    expect(b.parent).toBe("urn:pulumi:dev::journal::journal:index:Group::group");
    expect(b.urn).toBe("urn:pulumi:dev::journal::journal:index:Group$pulumi-nodejs:dynamic:Resource::b");
    expect(b.inputs.value).toBe(`${a.id}:2`);
    expect(b.dependencies).toEqual([a.urn]);
    expect(first.outputs).toEqual({ a: { value: a.id, secret: false }, b: { value: b.id, secret: false } });
    expect(stack.state.map((r) => r.type).sort()).toEqual([
      "journal:index:Group",
      "pulumi-nodejs:dynamic:Resource",
      "pulumi-nodejs:dynamic:Resource",
      "pulumi:providers:pulumi-nodejs",
      "pulumi:pulumi:Stack",
    ]);
    expect(a.provider).toBe(`${byName(stack, "default")!.urn}::${byName(stack, "default")!.id}`);

    const second = await stack.up();
    expect(second.errors).toEqual([]);
    expect(second.steps.map((s) => s.op)).toEqual(["same", "same", "same", "same"]);
    expect(second.calls.map((c) => c.method).sort()).toEqual(["check", "check", "configure", "diff", "diff", "getPluginInfo"]);
    expect(effects(dir)).toHaveLength(2);
    expect(byName(stack, "a")!.id).toBe(a.id);
  });

  test("updates or replaces a changed resource as the provider's diff says", async () => {
    const dir = store();
    const stack = journalStack(dir, [
      { name: "a", value: "1" },
      { name: "b", value: "1", key: "k1" },
    ]);
    await stack.up();
    const oldA = byName(stack, "a")!.id;
    const oldB = byName(stack, "b")!.id;

    stack.setConfig("items", [
      { name: "a", value: "2" },
      { name: "b", value: "1", key: "k2" },
    ]);
    const changed = await stack.up();
    expect(changed.errors).toEqual([]);
    expect(opsByName(changed.steps)).toMatchObject({ a: "update", b: "replace" });
    expect(changed.steps.find((s) => s.name === "b")).toMatchObject({ replaces: ["key"], deleteBeforeReplace: false });
    const newB = byName(stack, "b")!.id;
    expect(newB).not.toBe(oldB);
    expect(byName(stack, "a")).toMatchObject({ id: oldA, outputs: { value: "2", generation: 2 } });
    // Create before delete: the old b goes only after the program has finished.
    expect(effects(dir).slice(2)).toEqual([`update ${oldA}`, `create ${newB}`, `delete ${oldB}`]);
    expect(stack.state.filter((r) => r.delete)).toEqual([]);

    stack.setConfig("items", [
      { name: "a", value: "2" },
      { name: "b", value: "1", key: "k3", deleteBeforeReplace: true },
    ]);
    const dbr = await stack.up();
    expect(dbr.steps.find((s) => s.name === "b")).toMatchObject({ op: "replace", deleteBeforeReplace: true });
    const newestB = byName(stack, "b")!.id;
    expect(effects(dir).slice(5)).toEqual([`delete ${newB}`, `create ${newestB}`]);
  });

  test("deletes the resources the program no longer registers, dependents first", async () => {
    const dir = store();
    const stack = journalStack(dir, [
      { name: "a", value: "1" },
      { name: "b", value: "2", valueFromIdOf: "a" },
    ]);
    await stack.up();
    const [a, b] = [byName(stack, "a")!.id, byName(stack, "b")!.id];
    stack.setConfig("items", []);
    const result = await stack.up();
    expect(result.errors).toEqual([]);
    expect(result.steps.filter((s) => s.op === "delete").map((s) => s.name)).toEqual(["b", "a"]);
    expect(effects(dir).slice(2)).toEqual([`delete ${b}`, `delete ${a}`]);
    // The default provider leaves with the last resource that used it.
    expect(stack.state.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  });
});

describe("Stack.refresh", () => {
  test("removes a resource whose object is gone and keeps the others", async () => {
    const dir = store();
    const stack = journalStack(dir, [
      { name: "a", value: "1" },
      { name: "b", value: "2" },
    ]);
    await stack.up();
    const a = byName(stack, "a")!;
    fs.rmSync(path.join(dir, `${a.id}.json`));
    // Drift on b: the refreshed outputs come from the provider's read.
    const bFile = path.join(dir, `${byName(stack, "b")!.id}.json`);
    fs.writeFileSync(bFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(bFile, "utf8")), generation: 7 }));

    const result = await stack.refresh();
    expect(result.errors).toEqual([]);
    expect(result.steps.map((s) => [s.name, s.op, s.refresh])).toEqual([
      ["a", "read", "deleted"],
      ["b", "read", "changed"],
    ]);
    expect(byName(stack, "a")).toBeUndefined();
    expect(byName(stack, "b")!.outputs.generation).toBe(7);
    expect(result.calls.map((c) => c.method)).toEqual(["getPluginInfo", "configure", "read", "read"]);

    const again = await stack.up();
    expect(opsByName(again.steps)).toMatchObject({ a: "create", b: "same" });
  });
});

describe("Stack.destroy", () => {
  test("deletes every resource, dependents first, and empties the state", async () => {
    const dir = store();
    const stack = journalStack(dir, [
      { name: "a", value: "1" },
      { name: "b", value: "2", valueFromIdOf: "a" },
    ]);
    await stack.up();
    const [a, b] = [byName(stack, "a")!.id, byName(stack, "b")!.id];
    const result = await stack.destroy();
    expect(result.errors).toEqual([]);
    expect(effects(dir).slice(2)).toEqual([`delete ${b}`, `delete ${a}`]);
    expect(result.changes).toEqual({ delete: 3 });
    expect(stack.state).toEqual([]);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".json"))).toEqual([]);
    // Nothing the operation started is still running.
    expect(result.pids.plugin).toBeDefined();
    expect(groupAlive(result.pids.plugin!)).toBe(false);
  });
});
