// The trampoline's one forwarder sends every call through routeCall: each shape the dynamic-provider
// plugin really sends reaches its method, and anything else is refused, never taken for a create.

import { implementation, routeCall } from "../../provider/implementation";

type Method = "configure" | "check" | "create" | "read" | "diff" | "update";
const METHODS: Method[] = ["configure", "check", "create", "read", "diff", "update"];

const request = { config: { get: () => undefined, require: () => "" } };
const props = { projectId: "p", queryExecutionId: "q" };

let calls: Array<[Method, unknown[]]>;
beforeEach(() => {
  calls = [];
  for (const method of METHODS) {
    jest.spyOn(implementation, method).mockImplementation(async (...args: unknown[]) => {
      calls.push([method, args]);
      return { routed: method } as never;
    });
  }
});
afterEach(() => jest.restoreAllMocks());

describe("routeCall", () => {
  test.each<[string, unknown[], Method, unknown[]]>([
    ["configure(request)", [request], "configure", [request]],
    ["check(olds, news)", [{}, props], "check", [{}, props]],
    ["create(inputs)", [props], "create", [props]],
    ["read(id, props)", ["id", props], "read", ["id", props]],
    ["diff(id, olds, news)", ["id", props, props], "diff", ["id", props, props]],
    ["update(id, olds, news) named update", ["id", props, props, "update"], "update", ["id", props, props]],
  ])("sends %s to its method, and to no other", async (_shape, args, method, passed) => {
    await expect(routeCall(args)).resolves.toEqual({ routed: method });
    expect(calls).toEqual([[method, passed]]);
  });

  test.each<[string, unknown[]]>([
    ["no arguments", []],
    ["a lone id", ["id"]],
    ["a lone null", [null]],
    ["a lone array", [[props]]],
    ["an id and no props object", ["id", "props"]],
    ["olds and a non-object news", [{}, null]],
    ["diff's arguments with a non-object news", ["id", props, "news"]],
    ["an unknown name", ["id", props, props, "delete"]],
    ["diff's arguments named diff (a trampoline never released)", ["id", props, props, "diff"]],
    ["update with a non-string id", [1, props, props, "update"]],
    ["five arguments", ["id", props, props, "update", "extra"]],
  ])("refuses %s without calling any method", async (_shape, args) => {
    await expect(routeCall(args)).rejects.toThrow(`pulumi-oci-query-execution-cancellation: unrecognised call (${args.length} arguments`);
    expect(calls).toEqual([]);
  });
});
