import { resolveEndpoint } from "../../provider/client/endpoint";
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
    expect(failures).toEqual([{ property: "queryExecutionId", reason: "control characters are not allowed; found U+0000 at index 2" }]);
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
    expect(inputs.waitTimeoutSeconds).toBe(UNKNOWN);
    expect(inputs.auth).toBe(UNKNOWN);
  });

  test.each([
    [
      "plain http to a host that is not loopback",
      "http://example.com",
      "plain http is allowed only to a loopback host (127.0.0.1, ::1, localhost); use https for example.com.",
    ],
    ["another scheme", "ftp://example.com", 'https URL expected; got "ftp://example.com/"'],
    ["a query string", "https://example.com/?a=1", 'a query string or fragment cannot be part of the endpoint; got "https://example.com/?a=1"'],
    ["text that is not a URL", "queryservice", "not an absolute URL; one such as https://queryservice.us-ashburn-1.oci.oraclecloud.com expected"],
  ])("refuses an endpoint with %s by the rule create applies", (_what, endpoint, reason) => {
    expect(normaliseInputs({ ...valid, endpoint }).failures).toEqual([{ property: "endpoint", reason }]);
    expect(() => resolveEndpoint({ endpoint })).toThrow(`endpoint: ${reason}`);
  });

  test("accepts plain http to loopback, as create does", () => {
    expect(normaliseInputs({ ...valid, endpoint: "http://127.0.0.1:8787" }).failures).toEqual([]);
  });

  test("accepts the OCI CLI spellings of auth and stores our names for them", () => {
    for (const [spelling, kind] of [
      ["api_key", "ApiKey"],
      ["instance_principal", "InstancePrincipal"],
      ["OKE_WORKLOAD_IDENTITY", "OKEWorkloadIdentity"],
      ["ApiKey", "ApiKey"],
    ]) {
      const { inputs, failures } = normaliseInputs({ ...valid, auth: spelling });
      expect([spelling, failures, inputs.auth]).toEqual([spelling, [], kind]);
    }
  });

  test("refuses an auth kind that is neither ours nor the OCI CLI's, listing both", () => {
    const { failures } = normaliseInputs({ ...valid, auth: "Password" });
    expect(failures).toEqual([
      {
        property: "auth",
        reason: expect.stringMatching(/^one of ApiKey, .*OKEWorkloadIdentity \(or the OCI CLI spellings api_key, .*\) expected; got "Password"$/),
      },
    ]);
  });

  test("refuses triggers nested deeper than 32 levels, which would overflow the stack when hashed", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 3000; i++) deep = [deep];
    const { failures } = normaliseInputs({ ...valid, triggers: [deep] });
    expect(failures).toEqual([{ property: "triggers", reason: expect.stringMatching(/^nested deeper than 32 levels at triggers(\[0\]){33}$/) }]);
  });

  test.each([
    ["undefined", [1, { a: undefined }], "triggers[1].a is undefined, not a JSON value"],
    ["NaN", [NaN], "triggers[0] is NaN, which JSON cannot hold"],
    ["a Date", [{ at: new Date(0) }], "triggers[0].at is a Date, not a JSON value"],
    ["a function", [() => 1], "triggers[0] is a function, not a JSON value"],
    ["a bigint", [1n], "triggers[0] is bigint, not a JSON value"],
  ])("refuses a trigger that holds %s, saying where", (_what, triggers, reason) => {
    expect(normaliseInputs({ ...valid, triggers }).failures).toEqual([{ property: "triggers", reason }]);
  });

  test("accepts JSON triggers up to 32 KiB and refuses larger ones", () => {
    expect(normaliseInputs({ ...valid, triggers: ["x".repeat(32 * 1024 - 4)] }).failures).toEqual([]); // ["…"] is 32768 characters
    expect(normaliseInputs({ ...valid, triggers: [{ a: [true, null, 1.5], b: Object.create(null) }] }).failures).toEqual([]);
    expect(normaliseInputs({ ...valid, triggers: ["x".repeat(32 * 1024)] }).failures).toEqual([
      { property: "triggers", reason: "at most 32768 characters as JSON expected; got 32772" },
    ]);
  });

  test("refuses an id with a lone surrogate, naming the property instead of failing later with a URIError", () => {
    expect(normaliseInputs({ ...valid, queryExecutionId: "qe-\ud800-1" }).failures).toEqual([
      { property: "queryExecutionId", reason: "a lone UTF-16 surrogate U+D800 at index 3 is not Unicode and cannot be sent" },
    ]);
    expect(normaliseInputs({ ...valid, queryExecutionId: "qe-😀" }).failures).toEqual([]);
  });

  test.each([
    ["region", 64],
    ["profile", 255],
    ["configFile", 4096],
    ["endpoint", 2048],
  ])("bounds %s to %i characters and never echoes a 10 MB value", (property, limit) => {
    const { failures } = normaliseInputs({ ...valid, [property]: "x".repeat(10_000_000) });
    expect(failures).toEqual([{ property, reason: `at most ${limit} characters expected; got 10000000` }]);
  });

  test("quotes at most 64 characters of a long bad choice", () => {
    const { failures } = normaliseInputs({ ...valid, onNotFound: "y".repeat(10_000_000) });
    expect(failures[0]!.reason).toBe(`one of "fail", "succeed" expected; got "${"y".repeat(64)}"… (10000000 characters)`);
  });

  test("refuses credentials inside an endpoint URL", () => {
    const { failures } = normaliseInputs({ ...valid, endpoint: "https://user:secret@example.com" });
    expect(failures).toEqual([{ property: "endpoint", reason: "credentials in the URL are not allowed; remove the user:password@ part." }]);
    expect(JSON.stringify(failures)).not.toContain("secret");
  });
});
