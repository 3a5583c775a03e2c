// Self-tests of the program-level harness when things go wrong, and of what it records: failed steps,
// re-runs that converge, failing programs, encrypted secrets, and state carried to a new harness.
import * as fs from "node:fs";
import * as path from "node:path";
import { groupAlive } from "./harness/process-group.js";
import { SECRET_SIG, SIG_KEY } from "./harness/wire.js";
import { byName, effects, journalStack, opsByName, storesRemovedAfterAll } from "./fixtures/journal-helpers.js";

const store = storesRemovedAfterAll();

describe("a failed step", () => {
  test("fails the run with the provider's message, keeps what succeeded, and a re-run converges", async () => {
    const dir = store();
    const stack = journalStack(dir, [
      { name: "a", value: "1" },
      { name: "b", value: "2", valueFromIdOf: "a" },
      { name: "c", value: "3" },
    ]);
    fs.writeFileSync(path.join(dir, "fail-create-a"), "");
    const failed = await stack.up();
    expect(failed.ok).toBe(false);
    expect(failed.errors).toEqual([
      expect.objectContaining({
        urn: "urn:pulumi:dev::journal::pulumi-nodejs:dynamic:Resource::a",
        kind: "step",
        message: "injected create failure for a",
        pluginError: expect.objectContaining({ method: "create", code: 2 }),
      }),
    ]);
    expect(failed.steps.find((s) => s.name === "a")).toMatchObject({ op: "create", status: "failed" });
    // b waits for a's id and never registers; c is independent and completes.
    expect(opsByName(failed.steps)).not.toHaveProperty("b");
    expect(byName(stack, "a")).toBeUndefined();
    expect(byName(stack, "c")!.id).toMatch(/^c-/);
    expect(groupAlive(failed.pids.program!)).toBe(false);

    fs.rmSync(path.join(dir, "fail-create-a"));
    const rerun = await stack.up();
    expect(rerun.errors).toEqual([]);
    expect(opsByName(rerun.steps)).toMatchObject({ a: "create", b: "create", c: "same" });
    expect(effects(dir).filter((e) => e.startsWith("create ") && !e.startsWith("create-failed"))).toHaveLength(3);
  });

  test("records a resource created but failing to initialise, and updates it on the next run", async () => {
    const dir = store();
    const stack = journalStack(dir, [{ name: "a", value: "1" }]);
    fs.writeFileSync(path.join(dir, "initfail-create-a"), "");
    const failed = await stack.up();
    expect(failed.errors.map((e) => e.message)).toEqual(["injected init failure for a"]);
    expect(failed.errors[0]!.pluginError!.initFailure).toMatchObject({ id: expect.stringMatching(/^a-/), reasons: ["not healthy yet"] });
    const recorded = byName(stack, "a")!;
    expect(recorded).toMatchObject({ id: failed.errors[0]!.pluginError!.initFailure!.id, initErrors: ["not healthy yet"] });
    expect(recorded.outputs).toMatchObject({ value: "1", generation: 1 });

    fs.rmSync(path.join(dir, "initfail-create-a"));
    const rerun = await stack.up();
    expect(rerun.errors).toEqual([]);
    // Nothing changed, but a resource with initialisation errors is updated again, under the same id.
    expect(opsByName(rerun.steps)).toMatchObject({ a: "update" });
    expect(byName(stack, "a")).toMatchObject({ id: recorded.id, outputs: expect.objectContaining({ generation: 2 }) });
    expect(byName(stack, "a")!.initErrors).toBeUndefined();
  });

  test("a failed update keeps the resource's old state", async () => {
    const dir = store();
    const stack = journalStack(dir, [{ name: "a", value: "1" }]);
    await stack.up();
    const before = byName(stack, "a")!;
    fs.writeFileSync(path.join(dir, "fail-update-a"), "");
    stack.setConfig("items", [{ name: "a", value: "2" }]);
    const failed = await stack.up();
    expect(failed.errors.map((e) => e.message)).toEqual(["injected update failure for a"]);
    expect(byName(stack, "a")).toEqual(before);
  });
});

describe("a failing program", () => {
  test("fails the run with the program's error and deletes nothing", async () => {
    const dir = store();
    const stack = journalStack(dir, [
      { name: "a", value: "1" },
      { name: "b", value: "2" },
    ]);
    await stack.up();
    stack.setConfig("items", [{ name: "a", value: "1" }]);
    stack.setConfig("throw", true);
    const result = await stack.up();
    expect(result.ok).toBe(false);
    expect(result.exitCode).not.toBe(0);
    expect(result.errors).toEqual([expect.objectContaining({ kind: "program", message: expect.stringContaining("the program failed on purpose") })]);
    expect(byName(stack, "b")).toBeDefined();
    expect(effects(dir).filter((e) => e.startsWith("delete"))).toEqual([]);
  });
});

describe("recorded state", () => {
  test("encrypts secret config and secret outputs; the plain value appears nowhere in state", async () => {
    const dir = store();
    const plaintext = "tok-PLAINTEXT-4242";
    const stack = journalStack(dir, [{ name: "a", value: "1", withToken: true }], {
      config: { token: plaintext },
      secretConfigKeys: ["token"],
    });
    const result = await stack.up();
    expect(result.errors).toEqual([]);
    const a = byName(stack, "a")!;
    // The provider saw the plain value (the plugin does not accept secrets) ...
    expect(JSON.parse(fs.readFileSync(path.join(dir, `${a.id}.json`), "utf8")).token).toBe(plaintext);
    // ... and the engine records the input, and the same-named output, encrypted.
    for (const value of [a.inputs.token, a.outputs.token]) {
      expect(value).toEqual({ [SIG_KEY]: SECRET_SIG, ciphertext: expect.stringMatching(/^v1:/) });
    }
    const file = path.join(dir, "state.json");
    await stack.saveState(file);
    expect(fs.readFileSync(file, "utf8")).not.toContain(plaintext);
    expect(JSON.stringify(stack.state)).not.toContain(plaintext);
  });

  test("saved state lets a new harness continue where the last one stopped", async () => {
    const dir = store();
    const items = [{ name: "a", value: "1", withToken: true }];
    const options = { config: { token: "secret-token-1" }, secretConfigKeys: ["token"] };
    const first = journalStack(dir, items, options);
    await first.up();
    const file = path.join(dir, "state.json");
    await first.saveState(file);

    const second = journalStack(dir, items, { ...options, initialState: file });
    expect(second.state).toHaveLength(first.state.length);
    const rerun = await second.up();
    expect(rerun.errors).toEqual([]);
    expect(opsByName(rerun.steps)).toMatchObject({ a: "same" });

    // Diffing against the decrypted old outputs found nothing to change.
    expect(rerun.calls.filter((c) => c.method === "diff")).toHaveLength(1);

    const wrong = journalStack(dir, items, { ...options, secretsPassphrase: "not the one" });
    await expect(wrong.loadState(file)).rejects.toThrow("wrong secretsPassphrase");
  });
});
