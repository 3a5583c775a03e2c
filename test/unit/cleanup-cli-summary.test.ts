import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { jsonLine, table } from "../../automation/report";
import { StepCollector, summarise, type ProjectResult } from "../../automation/summary";
import type { CleanupPlan } from "../../provider/cleanup";

const PROJECT = "ocid1.queryserviceproject.oc1.iad.aaaa";
const TYPE = "pulumi-nodejs:dynamic/oci-query-service:QueryExecutionCancellation";
const urn = (id: string) => `urn:pulumi:s::oci-query-cleanup::oci-query-service:index:QueryExecutionCleanup$${TYPE}::cleanup-${id}`;

let sequence = 0;
function event(fields: Partial<EngineEvent>): EngineEvent {
  return { sequence: sequence++, timestamp: 0, ...fields } as EngineEvent;
}

function metadata(op: OpType, id: string, outputs?: Record<string, unknown>) {
  const state = { type: TYPE, urn: urn(id), id: "", parent: "", provider: "", inputs: { queryExecutionId: id }, outputs: outputs ?? {} };
  return { op, urn: urn(id), type: TYPE, provider: "", new: state, old: op === "create" ? undefined : state };
}

const started = (op: OpType, id: string) => event({ resourcePreEvent: { metadata: metadata(op, id) } });
const finished = (op: OpType, id: string, outputs: Record<string, unknown>) => event({ resOutputsEvent: { metadata: metadata(op, id, outputs) } });
/** A step the engine started and finished with these outputs. */
const step = (op: OpType, id: string, outputs: Record<string, unknown>) => [started(op, id), finished(op, id, outputs)];
const diagnostic = (severity: "error" | "warning" | "info", message: string, onUrn?: string) =>
  event({ diagnosticEvent: { severity, message, color: "never", ...(onUrn ? { urn: onUrn } : {}) } });

function plan(toCancel: Array<[string, string]>, alreadyCancelled: Array<[string, string]> = []): CleanupPlan {
  const summary = ([id, lifecycleState]: [string, string]) => ({ id, lifecycleState });
  return { toCancel: toCancel.map(summary), alreadyCancelled: alreadyCancelled.map(summary) };
}

function collect(events: EngineEvent[]): StepCollector {
  const collector = new StepCollector();
  for (const e of events) collector.onEvent(e);
  return collector;
}

describe("summarise an update", () => {
  test("sorts each declared execution by what its create found: accepted, under way, finished, failed", () => {
    const collector = collect([
      ...step("create", "e1", { outcome: "CANCEL_REQUESTED", cancelRequestId: "REQ-1" }),
      ...step("create", "e2", { outcome: "CANCEL_REQUESTED", cancelRequestId: "" }),
      ...step("create", "e3", { outcome: "ALREADY_TERMINAL", cancelRequestId: "" }),
      ...step("same", "e4", { outcome: "CANCEL_REQUESTED", cancelRequestId: "REQ-0" }),
      started("create", "e5"),
      diagnostic("error", 'error: CancelQueryExecution failed: 400 InvalidParameter "bad"\n(POST …, 1 attempt).', urn("e5")),
      event({ resOpFailedEvent: { metadata: metadata("create", "e5"), status: 1, steps: 1 } }),
    ]);
    expect(
      summarise({
        projectId: PROJECT,
        preview: false,
        plan: plan(
          [
            ["e1", "IN_PROGRESS"],
            ["e3", "IN_PROGRESS"],
            ["e5", "ACCEPTED"],
          ],
          [
            ["e2", "CANCELING"],
            ["e4", "CANCELED"],
          ],
        ),
        steps: collector.steps(),
      }),
    ).toEqual({
      projectId: PROJECT,
      preview: false,
      matched: 5,
      cancelled: ["e1"],
      kept: ["e2", "e4"],
      alreadyTerminal: ["e3"],
      failed: [{ queryExecutionId: "e5", error: 'CancelQueryExecution failed: 400 InvalidParameter "bad" (POST …, 1 attempt).' }],
    });
    expect(collector.errors()).toEqual([]);
  });

  test("a replacement (drift re-asserted) counts as a new cancel", () => {
    const accepted = { outcome: "CANCEL_REQUESTED", cancelRequestId: "REQ-2" };
    const collector = collect([...step("create-replacement", "e1", accepted), ...step("replace", "e1", accepted), started("delete-replaced", "e1")]);
    expect(summarise({ projectId: PROJECT, preview: false, plan: plan([["e1", "IN_PROGRESS"]]), steps: collector.steps() }).cancelled).toEqual(["e1"]);
  });

  test("lists what an update stopped before, and the reason once", () => {
    const collector = collect(step("create", "e1", { outcome: "CANCEL_REQUESTED", cancelRequestId: "REQ-1" }));
    const result = summarise({
      projectId: PROJECT,
      preview: false,
      plan: plan([
        ["e1", "IN_PROGRESS"],
        ["e2", "IN_PROGRESS"],
      ]),
      steps: collector.steps(),
      runError: "update canceled",
    });
    expect(result.cancelled).toEqual(["e1"]);
    expect(result.failed).toEqual([
      { queryExecutionId: "e2", error: "not cancelled: the run stopped before this cancellation had a result; the next run tries again" },
      { queryExecutionId: null, error: "update canceled" },
    ]);
  });

  test("a run that failed before reaching any cancellation reports only that failure", () => {
    const locked = summarise({ projectId: PROJECT, preview: false, plan: plan([["e1", "IN_PROGRESS"]]), steps: new Map(), runError: "stack s is locked" });
    expect(locked).toEqual({
      projectId: PROJECT,
      preview: false,
      matched: 1,
      cancelled: [],
      kept: [],
      alreadyTerminal: [],
      failed: [{ queryExecutionId: null, error: "stack s is locked" }],
    });
    const unlisted = summarise({ projectId: PROJECT, preview: false, plan: undefined, steps: new Map(), runError: "listing failed" });
    expect(unlisted).toMatchObject({ matched: 0, failed: [{ queryExecutionId: null, error: "listing failed" }] });
  });

  test("nothing matched is a clean, empty result", () => {
    expect(summarise({ projectId: PROJECT, preview: false, plan: plan([]), steps: new Map() })).toEqual({
      projectId: PROJECT,
      preview: false,
      matched: 0,
      cancelled: [],
      kept: [],
      alreadyTerminal: [],
      failed: [],
    });
  });
});

describe("summarise a preview", () => {
  test("would cancel the active matches; keeps what is recorded or already cancelling; finished ones are already terminal", () => {
    const collector = collect([started("create", "e1"), started("create", "e2"), started("create", "e3"), started("same", "e4"), started("create", "e5")]);
    const result = summarise({
      projectId: PROJECT,
      preview: true,
      plan: plan(
        [
          ["e1", "IN_PROGRESS"],
          ["e5", "SUCCEEDED"],
        ],
        [
          ["e2", "CANCELING"],
          ["e3", "CANCELED"],
          ["e4", "CANCELED"],
        ],
      ),
      steps: collector.steps(),
    });
    expect(result).toEqual({ projectId: PROJECT, preview: true, matched: 5, cancelled: ["e1"], kept: ["e2", "e4"], alreadyTerminal: ["e3", "e5"], failed: [] });
  });
});

describe("StepCollector", () => {
  test("keeps the program's and the engine's errors apart from a cancellation's, and the warnings", () => {
    const collector = collect([
      diagnostic(
        "error",
        "error: Running program failed: ListQueryExecutions failed: 503",
        "urn:pulumi:s::oci-query-cleanup::pulumi:pulumi:Stack::oci-query-cleanup-s",
      ),
      diagnostic("warning", "warning: Attempting to deploy or update resources with 1 pending operations from previous deployment.\n  * urn…"),
      diagnostic("info", "Cancel of query execution e1 accepted."),
    ]);
    expect(collector.errors()).toEqual(["Running program failed: ListQueryExecutions failed: 503"]);
    expect(collector.warningsSeen()).toEqual([expect.stringContaining("pending operations from previous deployment")]);
    expect(collector.steps().size).toBe(0);
  });

  test("reports a failed cancellation once: not again as the program's echo or the engine's closing line", () => {
    const collector = collect([
      started("create", "e1"),
      diagnostic("error", "error: CancelQueryExecution failed: 400 InvalidParameter", urn("e1")),
      diagnostic(
        "error",
        `error: Unhandled exception: Error: resource cleanup-e1 [${TYPE}] failed to register`,
        "urn:pulumi:s::oci-query-cleanup::pulumi:pulumi:Stack::oci-query-cleanup-s",
      ),
      diagnostic("error", "update failed"),
    ]);
    expect(collector.steps().get("e1")!.error).toBe("CancelQueryExecution failed: 400 InvalidParameter");
    expect(collector.errors()).toEqual([]);
    expect(collect([diagnostic("error", "update failed")]).errors()).toEqual(["update failed"]);
  });

  test("counts cancellations started and finished, either way, for the progress line", () => {
    const collector = collect([started("create", "e1"), started("create", "e2"), finished("create", "e1", { outcome: "CANCEL_REQUESTED" })]);
    expect(collector.progress()).toEqual({ started: 2, finished: 1 });
    collector.onEvent(event({ resOpFailedEvent: { metadata: metadata("create", "e2"), status: 1, steps: 1 } }));
    expect(collector.progress()).toEqual({ started: 2, finished: 2 });
  });

  test("ignores resources other than cancellations", () => {
    const component = event({
      resourcePreEvent: {
        metadata: {
          op: "create",
          urn: "urn:pulumi:s::p::oci-query-service:index:QueryExecutionCleanup::cleanup",
          type: "oci-query-service:index:QueryExecutionCleanup",
          provider: "",
        },
      },
    });
    expect(collect([component]).steps().size).toBe(0);
  });
});

describe("jsonLine", () => {
  const result: ProjectResult = {
    projectId: PROJECT,
    preview: false,
    matched: 2,
    cancelled: ["e1"],
    kept: [],
    alreadyTerminal: [],
    failed: [{ queryExecutionId: "e2", error: "boom" }],
  };

  test("prints exactly the documented fields, in order, on one line", () => {
    const line = jsonLine({ ...result, extra: "not printed" } as ProjectResult);
    expect(line).not.toContain("\n");
    expect(Object.keys(JSON.parse(line))).toEqual(["projectId", "preview", "matched", "cancelled", "kept", "alreadyTerminal", "failed"]);
    expect(JSON.parse(line)).toEqual(result);
  });
});

describe("table", () => {
  test("shows the counts and one row per execution, failures with their reason", () => {
    const text = table(
      {
        projectId: PROJECT,
        preview: true,
        matched: 3,
        cancelled: ["e1"],
        kept: ["e22"],
        alreadyTerminal: [],
        failed: [{ queryExecutionId: "e3", error: "boom" }],
      },
      "nightly",
    );
    expect(text).toBe(
      [
        `Project ${PROJECT} (stack nightly), preview`,
        "matched 3: would cancel 1, kept 1, already terminal 0, failed 1",
        "  QUERY EXECUTION  RESULT",
        "  e1               would cancel",
        "  e22              kept (cancelled before)",
        "  e3               failed: boom",
        "",
      ].join("\n"),
    );
  });

  const empty = { projectId: PROJECT, matched: 0, cancelled: [], kept: [], alreadyTerminal: [] };
  const runFailed = (error: string) => [{ queryExecutionId: null, error }];

  test("a run that failed before reaching any execution prints no counts that say nothing failed, then its error once", () => {
    const listing = "listing the project's query executions failed: nothing is listening on 127.0.0.1:8787";
    const preview = table({ ...empty, preview: true, failed: runFailed(listing) }, "nightly");
    expect(preview).toBe(`Project ${PROJECT} (stack nightly), preview\nnothing previewed: the run failed (error below)\nerror: ${listing}\n`);
    expect(preview).not.toMatch(/failed 0/);
    const locked = table({ ...empty, preview: false, matched: 2, failed: runFailed("stack nightly is locked") }, "nightly");
    expect(locked).toBe(`Project ${PROJECT} (stack nightly)\nmatched 2, nothing cancelled: the run failed (error below)\nerror: stack nightly is locked\n`);
  });

  test("a run that failed after some cancellations keeps their rows and says the run failed", () => {
    const text = table({ ...empty, preview: false, matched: 1, cancelled: ["e1"], failed: runFailed("the update was interrupted") }, "nightly");
    expect(text.split("\n").slice(1, 2)).toEqual(["matched 1: cancelled 1, kept 0, already terminal 0, failed 0; then the run failed (error below)"]);
    expect(text.match(/the update was interrupted/g)).toHaveLength(1);
  });
});
