// The cancellation logic as pure logic: look, decide, cancel, wait, against a scripted fake
// service (no sockets) with a fake clock (no sleeping).

import {
  cancelExecution,
  hasDrifted,
  MAX_DECISIONS,
  observe,
  pollDelayMs,
  waitForTerminal,
  WaitTimeoutError,
  type CancelDeps,
  type CancellationRecord,
  type ExecutionService,
} from "../../provider/cancel";
import { QueryServiceError, type QueryServiceErrorKind } from "../../provider/client/errors";
import type { GetQueryExecutionResult } from "../../provider/client/types";
import { normaliseInputs, type CancellationInputs } from "../../provider/inputs";
import { deriveRetryToken } from "../../provider/retry-token";

const PROJECT = "ocid1.queryserviceproject.oc1..p";
const EXEC = "ocid1.queryexecution.oc1..q";

type GetStep = GetQueryExecutionResult | QueryServiceError;
type CancelStep = { opcRequestId: string } | QueryServiceError;

const seen = (lifecycleState: string, etag: string): GetQueryExecutionResult => ({
  execution: { id: EXEC, lifecycleState },
  etag,
  opcRequestId: `get-${etag}`,
});

function serviceError(kind: QueryServiceErrorKind, status: number, code: string): QueryServiceError {
  return new QueryServiceError({
    operation: "Op",
    kind,
    method: "POST",
    path: "/p",
    status,
    code,
    serviceMessage: `${code} happened`,
    opcRequestId: "srv-1",
    clientRequestId: "c-1",
    attempts: 1,
    retryable: false,
    nextStep: "Do something.",
  });
}

/** A service that answers from scripts, one step per call, and records what it was asked. */
function fakeService(gets: GetStep[], cancels: CancelStep[] = []) {
  const calls: Array<{ op: "get" } | { op: "cancel"; ifMatch?: string; retryToken?: string }> = [];
  const service: ExecutionService = {
    async getQueryExecution() {
      calls.push({ op: "get" });
      const step = gets.shift();
      if (!step) throw new Error("no GET answer scripted");
      if (step instanceof QueryServiceError) throw step;
      return step;
    },
    async cancelQueryExecution(_p, _q, options) {
      calls.push({ op: "cancel", ...options });
      const step = cancels.shift();
      if (!step) throw new Error("no cancel answer scripted");
      if (step instanceof QueryServiceError) throw step;
      return { opcRequestId: step.opcRequestId, attempts: 1 };
    },
  };
  return { service, calls };
}

function depsWith(service: ExecutionService, start = Date.parse("2026-11-05T10:00:00Z")) {
  let now = start;
  const lines: string[] = [];
  const sleeps: number[] = [];
  const deps: CancelDeps = {
    service,
    log: (line) => lines.push(line),
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  return { deps, lines, sleeps };
}

const inputs = (extra: Record<string, unknown> = {}): CancellationInputs => {
  const { inputs: normalised, failures } = normaliseInputs({ projectId: PROJECT, queryExecutionId: EXEC, ...extra });
  expect(failures).toEqual([]);
  return normalised;
};
const token = (etag: string, triggers: unknown[] = []) => deriveRetryToken({ projectId: PROJECT, queryExecutionId: EXEC, etag, triggers });

describe("cancelExecution", () => {
  test("cancels an active execution with one look and one cancel conditioned on the etag it read", async () => {
    const { service, calls } = fakeService([seen("IN_PROGRESS", "e1")], [{ opcRequestId: "accepted-1" }]);
    const { deps, lines } = depsWith(service);
    const record = await cancelExecution(deps, inputs());
    expect(calls).toEqual([{ op: "get" }, { op: "cancel", ifMatch: "e1", retryToken: token("e1") }]);
    expect(record).toEqual({
      outcome: "CANCEL_REQUESTED",
      retryToken: token("e1"),
      etagAtCancel: "e1",
      etag: "e1",
      lifecycleState: "IN_PROGRESS",
      cancelRequestId: "accepted-1",
      timeCancelRequested: "2026-11-05T10:00:00.000Z",
    });
    expect(lines).toEqual([`Cancel of query execution ${EXEC} (project ${PROJECT}) accepted (was IN_PROGRESS; opc-request-id accepted-1).`]);
  });

  test.each([
    ["SUCCEEDED", "succeed", "ALREADY_TERMINAL"],
    ["FAILED", "succeed", "ALREADY_TERMINAL"],
    ["CANCELED", "succeed", "ALREADY_TERMINAL"],
    ["CANCELED", "fail", "ALREADY_TERMINAL"],
    ["CANCELING", "succeed", "CANCEL_REQUESTED"],
    ["CANCELING", "fail", "CANCEL_REQUESTED"],
  ])("records an execution already %s (onAlreadyTerminal %s) as %s and sends no cancel", async (state, onAlreadyTerminal, outcome) => {
    const { service, calls } = fakeService([seen(state, "e1")]);
    const record = await cancelExecution(depsWith(service).deps, inputs({ onAlreadyTerminal }));
    expect(calls).toEqual([{ op: "get" }]);
    expect(record).toMatchObject({ outcome, lifecycleState: state, etag: "e1", etagAtCancel: "e1", cancelRequestId: "", timeCancelRequested: "" });
  });

  test.each(["SUCCEEDED", "FAILED"])("fails for an execution that finished %s on its own when onAlreadyTerminal is fail", async (state) => {
    const { service, calls } = fakeService([seen(state, "e1")]);
    await expect(cancelExecution(depsWith(service).deps, inputs({ onAlreadyTerminal: "fail" }))).rejects.toThrow(
      `is already ${state}, so there is nothing to cancel (opc-request-id get-e1). Set onAlreadyTerminal to "succeed" to accept this.`,
    );
    expect(calls).toEqual([{ op: "get" }]);
  });

  test("treats a state it does not know as active and cancels it", async () => {
    const { service, calls } = fakeService([seen("QUEUED_SOMEWHERE", "e1")], [{ opcRequestId: "a" }]);
    const record = await cancelExecution(depsWith(service).deps, inputs());
    expect(calls.map((c) => c.op)).toEqual(["get", "cancel"]);
    expect(record).toMatchObject({ outcome: "CANCEL_REQUESTED", lifecycleState: "QUEUED_SOMEWHERE" });
  });

  test.each([
    ["the look", [serviceError("NotFound", 404, "NotAuthorizedOrNotFound")], [], ["get"]],
    ["the cancel", [seen("IN_PROGRESS", "e1")], [serviceError("NotFound", 404, "NotAuthorizedOrNotFound")], ["get", "cancel"]],
  ])("records NOT_FOUND when %s gets a 404 and onNotFound is succeed, and fails by default", async (_where, gets, cancels, ops) => {
    const once = fakeService([...gets], [...cancels]);
    await expect(cancelExecution(depsWith(once.service).deps, inputs())).rejects.toThrow(
      /was not found, or this user may not read it \(404 NotAuthorizedOrNotFound, opc-request-id srv-1\)\. .*set onNotFound to "succeed"/,
    );
    const again = fakeService([...gets], [...cancels]);
    const record = await cancelExecution(depsWith(again.service).deps, inputs({ onNotFound: "succeed" }));
    expect(record).toEqual({
      outcome: "NOT_FOUND",
      retryToken: token(""),
      etagAtCancel: "",
      etag: "",
      lifecycleState: "NOT_FOUND",
      cancelRequestId: "",
      timeCancelRequested: "",
    });
    expect(again.calls.map((c) => c.op)).toEqual(ops);
  });

  test("conditions the cancel on a pinned ifMatch, and fails naming both etags when it is stale", async () => {
    const { service, calls } = fakeService([seen("IN_PROGRESS", "current")], [serviceError("EtagMismatch", 412, "NoEtagMatch")]);
    await expect(cancelExecution(depsWith(service).deps, inputs({ ifMatch: "pinned" }))).rejects.toThrow(
      /no longer has the pinned etag "pinned", so it was not cancelled .* set it to the current etag "current" and run again/,
    );
    expect(calls).toEqual([{ op: "get" }, { op: "cancel", ifMatch: "pinned", retryToken: token("pinned") }]);
  });

  test("looks again after a 412 on an observed etag and cancels on the fresh etag with its own token", async () => {
    const { service, calls } = fakeService(
      [seen("IN_PROGRESS", "e1"), seen("IN_PROGRESS", "e2")],
      [serviceError("EtagMismatch", 412, "NoEtagMatch"), { opcRequestId: "a" }],
    );
    const { deps, lines } = depsWith(service);
    const record = await cancelExecution(deps, inputs());
    expect(calls).toEqual([
      { op: "get" },
      { op: "cancel", ifMatch: "e1", retryToken: token("e1") },
      { op: "get" },
      { op: "cancel", ifMatch: "e2", retryToken: token("e2") },
    ]);
    expect(record).toMatchObject({ outcome: "CANCEL_REQUESTED", etagAtCancel: "e2", retryToken: token("e2") });
    expect(lines[0]).toMatch(/changed between look and cancel \(412\); looking again \(1\/3\)/);
  });

  test(`gives up after ${MAX_DECISIONS} stale observed etags in a row`, async () => {
    const gets = Array.from({ length: MAX_DECISIONS }, (_, i) => seen("IN_PROGRESS", `e${i}`));
    const cancels = Array.from({ length: MAX_DECISIONS }, () => serviceError("EtagMismatch", 412, "NoEtagMatch"));
    const { service, calls } = fakeService(gets, cancels);
    await expect(cancelExecution(depsWith(service).deps, inputs())).rejects.toThrow(`changed its etag ${MAX_DECISIONS} times`);
    expect(calls.filter((c) => c.op === "cancel")).toHaveLength(MAX_DECISIONS);
  });

  test.each<[QueryServiceErrorKind, number, string, string, string]>([
    ["Conflict", 409, "Conflict", "SUCCEEDED", "ALREADY_TERMINAL"],
    ["Invalid", 400, "InvalidParameter", "CANCELED", "ALREADY_TERMINAL"],
    ["IncorrectState", 409, "IncorrectState", "CANCELING", "CANCEL_REQUESTED"],
  ])("after a %s answer looks once more and records what it finds (%s: %s)", async (kind, status, code, after, outcome) => {
    const { service, calls } = fakeService([seen("IN_PROGRESS", "e1"), seen(after, "e2")], [serviceError(kind, status, code)]);
    const record = await cancelExecution(depsWith(service).deps, inputs());
    expect(calls.map((c) => c.op)).toEqual(["get", "cancel", "get"]);
    expect(record).toMatchObject({ outcome, lifecycleState: after, etag: "e2" });
  });

  test("keeps a 409 Conflict as the error when the look after it still finds the execution active", async () => {
    const { service } = fakeService([seen("IN_PROGRESS", "e1"), seen("IN_PROGRESS", "e1")], [serviceError("Conflict", 409, "Conflict")]);
    await expect(cancelExecution(depsWith(service).deps, inputs())).rejects.toMatchObject({ kind: "Conflict" });
  });

  test("does not look again after 409 InvalidatedRetryToken: the error stands", async () => {
    const { service, calls } = fakeService([seen("IN_PROGRESS", "e1")], [serviceError("RetryTokenInvalid", 409, "InvalidatedRetryToken")]);
    await expect(cancelExecution(depsWith(service).deps, inputs())).rejects.toMatchObject({ kind: "RetryTokenInvalid" });
    expect(calls.map((c) => c.op)).toEqual(["get", "cancel"]);
  });

  test("sends an explicit retryToken instead of the derived one, and derives from triggers otherwise", async () => {
    const explicit = fakeService([seen("IN_PROGRESS", "e1")], [{ opcRequestId: "a" }]);
    await cancelExecution(depsWith(explicit.service).deps, inputs({ retryToken: "mine-1" }));
    expect(explicit.calls[1]).toEqual({ op: "cancel", ifMatch: "e1", retryToken: "mine-1" });
    const triggered = fakeService([seen("IN_PROGRESS", "e1")], [{ opcRequestId: "a" }]);
    await cancelExecution(depsWith(triggered.service).deps, inputs({ triggers: ["v2"] }));
    expect(triggered.calls[1]).toEqual({ op: "cancel", ifMatch: "e1", retryToken: token("e1", ["v2"]) });
  });
});

describe("waitForTerminal", () => {
  const requested: CancellationRecord = {
    outcome: "CANCEL_REQUESTED",
    retryToken: "t",
    etagAtCancel: "e1",
    etag: "e1",
    lifecycleState: "IN_PROGRESS",
    cancelRequestId: "a",
    timeCancelRequested: "x",
  };

  test("polls with growing waits until the execution is terminal, logging each state", async () => {
    const { service } = fakeService([seen("CANCELING", "e2"), seen("CANCELING", "e2"), seen("CANCELED", "e3")]);
    const { deps, lines, sleeps } = depsWith(service);
    const record = await waitForTerminal(deps, inputs({ waitForTerminalState: true }), requested);
    expect(record).toEqual({ ...requested, etag: "e3", lifecycleState: "CANCELED" });
    expect(sleeps).toEqual([1000, 2000]);
    expect(lines).toEqual([
      expect.stringMatching(/: CANCELING after 0s \(up to 600s\)\.$/),
      expect.stringMatching(/: CANCELING after 1s \(up to 600s\)\.$/),
      expect.stringMatching(/is CANCELED after 3s\.$/),
    ]);
  });

  test("times out after waitTimeoutSeconds with the latest record, the last wait clipped to the deadline", async () => {
    const { service } = fakeService(Array.from({ length: 10 }, () => seen("CANCELING", "e2")));
    const { deps, sleeps } = depsWith(service);
    const error = await waitForTerminal(deps, inputs({ waitForTerminalState: true, waitTimeoutSeconds: 5 }), requested).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as WaitTimeoutError).record).toEqual({ ...requested, etag: "e2", lifecycleState: "CANCELING" });
    expect((error as Error).message).toMatch(/still CANCELING after 5s \(waitTimeoutSeconds\)\. The cancel will not be sent again/);
    expect(sleeps).toEqual([1000, 2000, 2000]);
  });

  test("records NOT_FOUND when the execution is purged while waiting", async () => {
    const { service } = fakeService([serviceError("NotFound", 404, "NotAuthorizedOrNotFound")]);
    const record = await waitForTerminal(depsWith(service).deps, inputs(), requested);
    expect(record).toEqual({ ...requested, etag: "", lifecycleState: "NOT_FOUND" });
  });
});

describe("observe", () => {
  test("gives the latest etag and state, or NOT_FOUND for a purged execution", async () => {
    expect(await observe(depsWith(fakeService([seen("CANCELED", "e9")]).service).deps, inputs())).toEqual({ etag: "e9", lifecycleState: "CANCELED" });
    const purged = fakeService([serviceError("NotFound", 404, "NotAuthorizedOrNotFound")]);
    expect(await observe(depsWith(purged.service).deps, inputs())).toEqual({ etag: "", lifecycleState: "NOT_FOUND" });
  });

  test("lets any other failure through", async () => {
    const failing = fakeService([serviceError("ServerError", 503, "ServiceUnavailable")]);
    await expect(observe(depsWith(failing.service).deps, inputs())).rejects.toMatchObject({ kind: "ServerError" });
  });
});

describe("pollDelayMs", () => {
  test.each([
    [0, 1000],
    [1, 1000],
    [2, 2000],
    [3, 4000],
    [4, 8000],
    [5, 10000],
    [50, 10000],
  ])("waits %i -> %i ms: 1 s doubling to 10 s, as the README says", (poll, ms) => {
    expect(pollDelayMs(poll)).toBe(ms);
  });
});

describe("hasDrifted", () => {
  const base = { outcome: "CANCEL_REQUESTED" as const, etagAtCancel: "e1" };
  test.each<{ what: string; record: Partial<CancellationRecord>; drifted: boolean }>([
    { what: "active again under another etag", record: { ...base, lifecycleState: "IN_PROGRESS", etag: "e2" }, drifted: true },
    { what: "active again, in a state it does not know, under another etag", record: { ...base, lifecycleState: "REQUEUED", etag: "e2" }, drifted: true },
    { what: "active under the etag the cancel was conditioned on", record: { ...base, lifecycleState: "IN_PROGRESS", etag: "e1" }, drifted: false },
    { what: "cancelling under another etag", record: { ...base, lifecycleState: "CANCELING", etag: "e2" }, drifted: false },
    { what: "terminal under another etag", record: { ...base, lifecycleState: "CANCELED", etag: "e3" }, drifted: false },
    { what: "purged", record: { ...base, lifecycleState: "NOT_FOUND", etag: "" }, drifted: false },
    { what: "without a recorded state", record: { ...base, lifecycleState: "", etag: "e2" }, drifted: false },
    {
      what: "active, but recorded as ALREADY_TERMINAL",
      record: { outcome: "ALREADY_TERMINAL", etagAtCancel: "e1", lifecycleState: "IN_PROGRESS", etag: "e2" },
      drifted: false,
    },
    {
      what: "active, but recorded as NOT_FOUND",
      record: { outcome: "NOT_FOUND", etagAtCancel: "", lifecycleState: "IN_PROGRESS", etag: "e2" },
      drifted: false,
    },
  ])("for an execution $what, drift is $drifted", ({ record, drifted }) => {
    expect(hasDrifted(record)).toBe(drifted);
  });
});
