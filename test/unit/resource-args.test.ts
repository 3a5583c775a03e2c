// What `new QueryExecutionCancellation(...)` checks in the program, before the SDK serializes its
// arguments (a Date would arrive at check as {}, undefined as null). Run under Pulumi's mocks.

import { execFileSync } from "node:child_process";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { QueryExecutionCancellation } from "../../provider/resource";
import { ocidProblem } from "../../provider/ocid";

const registered: pulumi.runtime.MockResourceArgs[] = [];

beforeAll(() => {
  pulumi.runtime.setMocks({
    newResource: (args) => {
      registered.push(args);
      return { id: `${args.inputs.queryExecutionId}:t`, state: { ...args.inputs, outcome: "CANCEL_REQUESTED" } };
    },
    call: () => ({}),
  });
});

const project = "ocid1.queryserviceproject.oc1.iad.emulator";
const execution = "ocid1.queryexecution.oc1.iad.0123456789abcdef";
const make = (name: string, triggers: unknown, ids: { projectId?: pulumi.Input<string>; queryExecutionId?: pulumi.Input<string> } = {}) =>
  new QueryExecutionCancellation(name, { projectId: project, queryExecutionId: execution, ...ids, triggers: triggers as unknown[] });
const settled = (output: pulumi.Output<unknown>): Promise<unknown> =>
  (output as unknown as { promise(): Promise<unknown> }).promise().then(
    () => "resolved",
    (e: Error) => e.message,
  );

describe("triggers", () => {
  test.each([
    ["a Date", [new Date(0), "x"], "triggers[0] is a Date, not a JSON value"],
    ["undefined", ["x", undefined], "triggers[1] is undefined, not a JSON value"],
    // eslint-disable-next-line no-sparse-arrays -- the hole is what is tested
    ["a hole", [1, , 2], "triggers[1] is undefined, not a JSON value"],
    ["a function", [() => 1], "triggers[0] is a function, not a JSON value"],
    ["NaN", [NaN], "triggers[0] is NaN, which JSON cannot hold"],
    ["a bigint", [1n], "triggers[0] is bigint, not a JSON value"],
    ["a symbol", [Symbol("s")], "triggers[0] is symbol, not a JSON value"],
    ["a class instance", [{ at: new Map() }], "triggers[0].at is a Map, not a JSON value"],
  ])("refuses %s where the program builds the resource, naming the element and the rule", (_what, triggers, named) => {
    const before = registered.length;
    expect(() => make("bad", triggers)).toThrow(`QueryExecutionCancellation "bad": ${named}. triggers hold JSON values only`);
    expect(registered.length).toBe(before);
  });

  test("refuses a Date an Output resolves to, when it resolves", () => {
    // In a child process: the rejection is unhandled, as in a program, where the SDK prints it and
    // the program fails; jest would count it as a failure of its own.
    const script = `
      const pulumi = require("@pulumi/pulumi");
      const { checkedTriggers } = require(${JSON.stringify(join(__dirname, "../../dist/provider/resource-args.js"))});
      process.on("unhandledRejection", () => undefined);
      const [checked] = checkedTriggers("later", [pulumi.output("2026-12-08").apply((day) => new Date(day))]);
      checked.promise().then(() => console.log("resolved"), (e) => console.log((pulumi.RunError.isInstance(e) ? "RunError" : e.name) + ": " + e.message));`;
    const printed = execFileSync(process.execPath, ["-e", script], { cwd: join(__dirname, "../.."), encoding: "utf8", timeout: 60_000 });
    expect(printed).toMatch(/^RunError: QueryExecutionCancellation "later": triggers\[0\] is a Date, not a JSON value\./);
  });

  test("passes JSON values, and Outputs resolving to them, through unchanged", async () => {
    const value = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));
    const cancellation = make("good", ["run-7", 3, true, null, { nested: ["a"] }, pulumi.output("known")]);
    expect(await value(cancellation.triggers)).toEqual(["run-7", 3, true, null, { nested: ["a"] }, "known"]);
  });
});

describe("ids that cannot be OCIDs", () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(pulumi.log, "warn").mockResolvedValue(undefined);
  });
  afterEach(() => warn.mockRestore());

  test("warns of a projectId that is not an OCID, naming the resource", async () => {
    await settled(make("named", [], { projectId: "my-project" }).urn);
    expect(warn.mock.calls).toEqual([
      [
        expect.stringMatching(
          /^QueryExecutionCancellation "named": projectId "my-project" is not an OCID \(.*\)\. The service .* it will most likely answer 404 NotFound/,
        ),
      ],
    ]);
  });

  test("warns of a queryExecutionId an Output resolves to", async () => {
    const cancellation = make("from-output", [], { queryExecutionId: pulumi.output("exec-42") });
    await settled(cancellation.urn);
    expect(warn.mock.calls.map(([message]) => message)).toEqual([
      expect.stringMatching(/^QueryExecutionCancellation "from-output": queryExecutionId "exec-42" is not an OCID/),
    ]);
  });

  test("does not warn of the emulator's ids or real OCIDs", async () => {
    await settled(make("emulated", []).urn);
    await settled(make("real", [], { projectId: "ocid1.queryserviceproject.oc1.phx.amaaaaaabcdefghijklmnopqrstuvwxyz0123456789" }).urn);
    expect(warn).not.toHaveBeenCalled();
  });
});

describe("ocidProblem", () => {
  test.each([
    "ocid1.queryserviceproject.oc1.iad.emulator",
    "ocid1.queryexecution.oc1.iad.0123456789abcdef0123456789abcdef",
    "ocid1.tenancy.oc1..emulator0123456789abcdef01234567",
    "ocid1.queryserviceproject.oc1.iad.future-use.aaaa",
  ])("accepts %s", (id) => {
    expect(ocidProblem(id, "projectId")).toBeUndefined();
  });

  test.each(["my-project", "ocid1.queryexecution", "ocid1..oc1.iad.x", "ocid1.queryexecution.oc1.iad.", "OCID: ocid1.a.oc1..b", "ocid1.a.oc1..b "])(
    "refuses %j, naming the value and the form",
    (id) => {
      expect(ocidProblem(id, "--project-id")).toMatch(/^--project-id ".*" is not an OCID \(ocid1\.<resource type>\.<realm>\.\[region\]\.<unique id>, as in /);
    },
  );
});
