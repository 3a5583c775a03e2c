// Every output QueryExecutionCancellation declares is an Output on the resource, also for the
// optional inputs the program left out, which the class does not register (each registered key
// costs the SDK's promises): those resolve with the resource to what the provider records for
// them. Run under Pulumi's mocks, which answer a registration with the state given here.

import * as pulumi from "@pulumi/pulumi";
import { QueryExecutionCancellation } from "../../provider/resource";

/** What the provider records for `{ projectId: "p", queryExecutionId: "q" }` (toOutputs). */
const recorded: Record<string, unknown> = {
  projectId: "p",
  queryExecutionId: "q",
  ifMatch: "",
  retryToken: "qec1-token",
  triggers: [],
  waitForTerminalState: false,
  waitTimeoutSeconds: 600,
  onAlreadyTerminal: "succeed",
  onNotFound: "fail",
  endpoint: "",
  region: "",
  auth: "",
  configFile: "",
  profile: "",
  etagAtCancel: "e1",
  etag: "e1",
  lifecycleState: "CANCELING",
  outcome: "CANCEL_REQUESTED",
  cancelRequestId: "r1",
  timeCancelRequested: "2026-12-02T00:00:00.000Z",
  providerVersion: "0.1.0",
};

const registered: pulumi.runtime.MockResourceArgs[] = [];

beforeAll(() => {
  // The ids here are short, not OCIDs; the warning about that is resource-args.test.ts's subject.
  jest.spyOn(pulumi.log, "warn").mockResolvedValue(undefined);
  pulumi.runtime.setMocks({
    newResource: (args) => {
      registered.push(args);
      return { id: `${args.inputs.queryExecutionId}:qec1-token`, state: { ...recorded, ...args.inputs } };
    },
    call: () => ({}),
  });
});

const value = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));
const outputsOf = (c: QueryExecutionCancellation) => c as unknown as Record<string, pulumi.Output<unknown> | undefined>;

test("an input left out is an Output of what the provider records for it, and is not registered", async () => {
  const cancellation = outputsOf(new QueryExecutionCancellation("c", { projectId: "p", queryExecutionId: "q" }));
  for (const [key, expected] of Object.entries(recorded)) {
    expect([key, pulumi.Output.isInstance(cancellation[key])]).toEqual([key, true]);
    expect([key, await value(cancellation[key]!)]).toEqual([key, expected]);
  }
  const sent = registered.find((r) => r.name === "c")!;
  expect(sent.type).toBe("pulumi-nodejs:dynamic/oci-query-service:QueryExecutionCancellation");
  expect(Object.keys(sent.inputs).sort()).toEqual(["__provider", "projectId", "queryExecutionId"]);
});

test("an input given is registered and resolves to what the provider recorded", async () => {
  const cancellation = outputsOf(new QueryExecutionCancellation("d", { projectId: "p", queryExecutionId: "q2", region: "us-ashburn-1", triggers: [1] }));
  expect(await value(cancellation.region!)).toBe("us-ashburn-1");
  expect(await value(cancellation.triggers!)).toEqual([1]);
  expect(await value(cancellation.profile!)).toBe("");
  expect(Object.keys(registered.find((r) => r.name === "d")!.inputs).sort()).toEqual(["__provider", "projectId", "queryExecutionId", "region", "triggers"]);
});
