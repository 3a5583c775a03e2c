// Every output QueryExecutionCancellation declares is an Output on the resource, also for inputs
// the program left out: the SDK makes properties only for the keys the class registers. Run under
// Pulumi's mocks, which answer the registration with the state the provider would record.

import * as pulumi from "@pulumi/pulumi";

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
  region: "us-ashburn-1",
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

let registered: pulumi.runtime.MockResourceArgs | undefined;

beforeAll(() => {
  pulumi.runtime.setMocks({
    newResource: (args) => {
      registered = args;
      return { id: "q:qec1-token", state: recorded };
    },
    call: () => ({}),
  });
});

const value = <T>(output: pulumi.Output<T>): Promise<T> => new Promise((resolve) => output.apply(resolve));

test("an input left out is still an Output of what the provider recorded", async () => {
  const { QueryExecutionCancellation } = await import("../../provider/resource");
  const cancellation = new QueryExecutionCancellation("c", { projectId: "p", queryExecutionId: "q" }) as unknown as Record<string, pulumi.Output<unknown>>;
  for (const [key, expected] of Object.entries(recorded)) {
    expect([key, pulumi.Output.isInstance(cancellation[key])]).toEqual([key, true]);
    expect([key, await value(cancellation[key]!)]).toEqual([key, expected]);
  }
  expect(registered!.type).toBe("pulumi-nodejs:dynamic/oci-query-service:QueryExecutionCancellation");
  // Only what the program set, and the provider text, are sent as inputs.
  expect(Object.keys(registered!.inputs).sort()).toEqual(["__provider", "projectId", "queryExecutionId"]);
});
