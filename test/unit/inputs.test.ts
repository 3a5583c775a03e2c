import { normaliseInputs, UNKNOWN } from "../../provider/inputs";

const valid = { projectId: "ocid1.queryserviceproject.oc1.iad.aaaa", queryExecutionId: "qe-1" };

describe("normaliseInputs", () => {
  test("fills the documented defaults and leaves unset connection settings absent", () => {
    const { inputs, failures } = normaliseInputs({ ...valid, __provider: "text" });
    expect(failures).toEqual([]);
    expect(inputs).toEqual({
      ...valid,
      triggers: [],
      waitForTerminalState: false,
      waitTimeoutSeconds: 600,
      onAlreadyTerminal: "succeed",
      onNotFound: "fail",
    });
  });

  test("reports one failure per bad property, naming it and the rule", () => {
    const { failures } = normaliseInputs({
      projectId: "",
      queryExecutionId: "x".repeat(256),
      retryToken: "has space",
      triggers: "not-an-array",
      waitForTerminalState: "yes",
      waitTimeoutSeconds: 0,
      onAlreadyTerminal: "ignore",
      onNotFound: 1,
      endpoint: "ftp://example.com",
      auth: "Password",
      colour: "red",
    });
    expect(failures.map((f) => f.property).sort()).toEqual(
      [
        "projectId",
        "queryExecutionId",
        "retryToken",
        "triggers",
        "waitForTerminalState",
        "waitTimeoutSeconds",
        "onAlreadyTerminal",
        "onNotFound",
        "endpoint",
        "auth",
        "colour",
      ].sort(),
    );
    const reason = (p: string) => failures.find((f) => f.property === p)!.reason;
    expect(reason("queryExecutionId")).toBe("1..255 characters expected; got 256");
    expect(reason("onAlreadyTerminal")).toBe('one of "succeed", "fail" expected; got "ignore"');
    expect(reason("retryToken")).toMatch(/A-Z a-z 0-9 \. _ -/);
  });

  test("rejects control characters in ids, saying where", () => {
    const { failures } = normaliseInputs({ ...valid, queryExecutionId: "qe\u0000-1" });
    expect(failures).toEqual([
      { property: "queryExecutionId", reason: "control characters are not allowed; found U+0000 at index 2" },
    ]);
  });

  test("refuses at check what the client would refuse at create: dot ids and etags that cannot travel in a header", () => {
    const { failures } = normaliseInputs({ ...valid, queryExecutionId: "..", ifMatch: "etag-\u20ac" });
    expect(failures).toEqual([
      { property: "queryExecutionId", reason: '".." is not an id' },
      { property: "ifMatch", reason: "only Latin-1 characters can travel in a header" },
    ]);
  });

  test("rejects a 65-character retry token and accepts a 64-character one", () => {
    expect(normaliseInputs({ ...valid, retryToken: "a".repeat(65) }).failures).toHaveLength(1);
    expect(normaliseInputs({ ...valid, retryToken: "a".repeat(64) }).failures).toEqual([]);
  });

  test("passes unknown preview values through untouched", () => {
    const { inputs, failures } = normaliseInputs({
      projectId: UNKNOWN,
      queryExecutionId: UNKNOWN,
      ifMatch: UNKNOWN,
      triggers: UNKNOWN,
      waitTimeoutSeconds: UNKNOWN,
      auth: UNKNOWN,
    });
    expect(failures).toEqual([]);
    expect(inputs.projectId).toBe(UNKNOWN);
    expect(inputs.queryExecutionId).toBe(UNKNOWN);
    expect(inputs.ifMatch).toBe(UNKNOWN);
    expect(inputs.triggers).toBe(UNKNOWN);
    expect(inputs.auth).toBe(UNKNOWN);
  });

  test("accepts the OCI CLI spellings of auth and stores our names for them", () => {
    for (const [spelling, kind] of [["api_key", "ApiKey"], ["instance_principal", "InstancePrincipal"], ["OKE_WORKLOAD_IDENTITY", "OKEWorkloadIdentity"], ["ApiKey", "ApiKey"]]) {
      const { inputs, failures } = normaliseInputs({ ...valid, auth: spelling });
      expect([spelling, failures, inputs.auth]).toEqual([spelling, [], kind]);
    }
  });

  test("refuses an auth kind that is neither ours nor the OCI CLI's, listing both", () => {
    const { failures } = normaliseInputs({ ...valid, auth: "Password" });
    expect(failures).toEqual([{ property: "auth", reason: expect.stringMatching(/^one of ApiKey, .*OKEWorkloadIdentity \(or the OCI CLI spellings api_key, .*\) expected; got "Password"$/) }]);
  });

  test("refuses credentials inside an endpoint URL", () => {
    const { failures } = normaliseInputs({ ...valid, endpoint: "https://user:secret@example.com" });
    expect(failures).toEqual([{ property: "endpoint", reason: "credentials in the URL are not allowed" }]);
    expect(JSON.stringify(failures)).not.toContain("secret");
  });
});
