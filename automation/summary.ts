// What one run did to a project, from the plan the program made and the engine's events: the
// result printed as a table row set or one JSON line. Pure: no engine, no clock.

import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { CleanupPlan } from "../provider/cleanup.js";
import { CANCELLING_STATES, isTerminalState } from "../provider/client/types.js";

/** One project's run. `--json` prints exactly these fields. */
export interface ProjectResult {
  projectId: string;
  /** True for `--preview`: `cancelled` lists what would be cancelled. */
  preview: boolean;
  /**
   * Executions the listing matched this run. Each is in exactly one list below, unless the run
   * failed before reaching any of them: then only the run-level entry of `failed` is there.
   */
  matched: number;
  /** Cancels this run sent and the service accepted (with --preview: would send). */
  cancelled: string[];
  /** Already cancelled before this run, by an earlier run or found under way: still recorded, nothing sent. */
  kept: string[];
  /** Finished (or gone) before this run could cancel them: recorded, nothing sent. */
  alreadyTerminal: string[];
  /** `queryExecutionId` null: the project's run as a whole failed (listing, the stack lock, the engine). */
  failed: Array<{ queryExecutionId: string | null; error: string }>;
}

/** What the engine did with one cancellation. */
export interface CancellationStep {
  queryExecutionId: string;
  /** The engine's step: create, same, update, replace, create-replacement, … */
  op: string;
  outcome?: string;
  cancelRequestId?: string;
  error?: string;
}

const CANCELLATION_TYPE = /:QueryExecutionCancellation$/;
const FAILED_TO_REGISTER = /\[[^\]\s]*:QueryExecutionCancellation\] failed to register/;
// Steps that run the resource's create, which is what sends a cancel.
const CREATING = new Set(["create", "replace", "create-replacement"]);
// Steps that only take away the old half of a replacement, or a record no longer declared.
const REMOVING = new Set(["delete", "delete-replaced", "discard", "discard-replaced", "remove-pending-replace"]);

/** Reads the engine's events of one preview or update into one step per cancellation. */
export class StepCollector {
  private readonly byUrn = new Map<string, CancellationStep>();
  private readonly finished = new Set<string>();
  private readonly runErrors: string[] = [];
  private readonly warnings: string[] = [];

  onEvent(event: EngineEvent): void {
    const step = event.resourcePreEvent ?? event.resOutputsEvent;
    if (step) this.onStep(step.metadata, event.resOutputsEvent !== undefined);
    const failed = event.resOpFailedEvent;
    if (failed) {
      const known = this.byUrn.get(failed.metadata.urn);
      if (known && !known.error) known.error = "the engine reported the step as failed";
      this.finished.add(failed.metadata.urn);
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic?.severity === "warning") this.warnings.push(diagnostic.message.trim());
    if (diagnostic?.severity === "error") this.onError(conciseError(diagnostic.message), diagnostic.urn);
  }

  /** The cancellations the engine touched, by execution id. */
  steps(): Map<string, CancellationStep> {
    return new Map([...this.byUrn.values()].map((s) => [s.queryExecutionId, s]));
  }

  /** How many cancellations the engine has started, and finished (either way), so far. */
  progress(): { started: number; finished: number } {
    return { started: this.byUrn.size, finished: this.finished.size };
  }

  /**
   * Errors not tied to one cancellation (the program, the engine), less the engine's closing
   * "update failed" when cancellations failed: those are reported with their executions.
   */
  errors(): string[] {
    const someFailed = [...this.byUrn.values()].some((s) => s.error);
    return this.runErrors.filter((m) => !(someFailed && m === "update failed"));
  }

  /** The engine's warnings, e.g. about operations a killed run left pending. */
  warningsSeen(): string[] {
    return [...this.warnings];
  }

  private onError(message: string, urn: string | undefined): void {
    const known = urn ? this.byUrn.get(urn) : undefined;
    if (known) known.error = message;
    // The program hears of a failed cancellation too ("resource … failed to register"): reported with it.
    else if (FAILED_TO_REGISTER.test(message)) return;
    else if (!urn || !CANCELLATION_TYPE.test(urnType(urn))) this.runErrors.push(message);
  }

  private onStep(metadata: NonNullable<EngineEvent["resourcePreEvent"]>["metadata"], done: boolean): void {
    if (!CANCELLATION_TYPE.test(metadata.type) || REMOVING.has(metadata.op)) return;
    const state = metadata.new ?? metadata.old;
    const id = state?.inputs?.queryExecutionId ?? state?.outputs?.queryExecutionId;
    if (typeof id !== "string") return;
    const step = this.byUrn.get(metadata.urn) ?? { queryExecutionId: id, op: metadata.op };
    // A replacement shows as several steps; the creating one is what counts.
    if (CREATING.has(metadata.op)) step.op = metadata.op;
    const outputs = done ? metadata.new?.outputs : undefined;
    if (outputs && typeof outputs.outcome === "string") {
      step.outcome = outputs.outcome;
      step.cancelRequestId = typeof outputs.cancelRequestId === "string" ? outputs.cancelRequestId : "";
    }
    this.byUrn.set(metadata.urn, step);
    if (done) this.finished.add(metadata.urn);
  }
}

function urnType(urn: string): string {
  // urn:pulumi:<stack>::<project>::<parent types$>type::<name>
  return urn.split("::")[2]?.split("$").pop() ?? "";
}

/** The engine prefixes a provider's error with its own words and repeats it; keep the provider's. */
function conciseError(message: string): string {
  const lines = message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const text = lines.join(" ");
  return text.replace(/^error:\s*/, "").replace(/\s+/g, " ");
}

export interface SummaryInput {
  projectId: string;
  preview: boolean;
  /** What the program declared; undefined when it failed before declaring anything. */
  plan: CleanupPlan | undefined;
  steps: Map<string, CancellationStep>;
  /** Why the run as a whole failed, if it did. */
  runError?: string;
}

/** Sorts each declared execution into exactly one of the result's lists. */
export function summarise({ projectId, preview, plan, steps, runError }: SummaryInput): ProjectResult {
  const result: ProjectResult = { projectId, preview, matched: 0, cancelled: [], kept: [], alreadyTerminal: [], failed: [] };
  const declared = new Map<string, string>();
  for (const e of [...(plan?.toCancel ?? []), ...(plan?.alreadyCancelled ?? [])]) if (!declared.has(e.id)) declared.set(e.id, e.lifecycleState);
  result.matched = declared.size;
  // A run that failed before the engine reached any cancellation (a locked stack, a failed
  // listing) did nothing to any of them: its one run-level failure says so.
  const reachedAny = steps.size > 0 || !runError;
  for (const [id, listedState] of [...declared].sort(([a], [b]) => a.localeCompare(b))) {
    const step = steps.get(id);
    const bucket = step?.error ? undefined : step && classify(step, listedState, preview);
    if (bucket) result[bucket].push(id);
    else if (step?.error || reachedAny) result.failed.push({ queryExecutionId: id, error: step?.error ?? NOT_REACHED });
  }
  if (runError) result.failed.push({ queryExecutionId: null, error: runError });
  return result;
}

type Bucket = "cancelled" | "kept" | "alreadyTerminal";

const NOT_REACHED = "not cancelled: the run stopped before this cancellation had a result; the next run tries again";

function classify(step: CancellationStep, listedState: string, preview: boolean): Bucket | undefined {
  if (!CREATING.has(step.op)) return "kept"; // same, update: recorded by an earlier run
  if (preview) {
    // What create will find: the state the list call just saw.
    if (CANCELLING_STATES.includes(listedState)) return "kept";
    if (isTerminalState(listedState)) return "alreadyTerminal";
    return "cancelled";
  }
  switch (step.outcome) {
    case "CANCEL_REQUESTED":
      // No request id: the execution was already cancelling (an earlier run crashed after its POST, or someone else).
      return step.cancelRequestId ? "cancelled" : "kept";
    case "ALREADY_TERMINAL":
    case "NOT_FOUND":
      return "alreadyTerminal";
    default:
      return undefined;
  }
}
