// Look, decide, cancel, wait. Branches on error kinds, never on HTTP status numbers; knows
// nothing of Pulumi. Every path ends in a recorded outcome or an error that says what to do.

import { QueryServiceError } from "./client/errors.js";
import { isTerminalState, CANCELLING_STATES, type GetQueryExecutionResult } from "./client/types.js";
import type { CancellationInputs } from "./inputs.js";
import { deriveRetryToken } from "./retry-token.js";

export type CancelOutcome = "CANCEL_REQUESTED" | "ALREADY_TERMINAL" | "NOT_FOUND";
export const CANCEL_OUTCOMES: readonly CancelOutcome[] = ["CANCEL_REQUESTED", "ALREADY_TERMINAL", "NOT_FOUND"];

/** What a cancellation observed and did; every field is always set ("" when not applicable). */
export interface CancellationRecord {
  outcome: CancelOutcome;
  retryToken: string;
  /** The etag the cancel POST was conditioned on, or the one observed when no POST was needed. */
  etagAtCancel: string;
  /** Latest observed etag ("" when the execution is gone). */
  etag: string;
  /** Latest observed state, `NOT_FOUND` once the execution is gone. */
  lifecycleState: string;
  /** The service's opc-request-id of the accepted cancel, or "". */
  cancelRequestId: string;
  /** RFC 3339 time the cancel was accepted, or "". */
  timeCancelRequested: string;
}

/** The two calls the logic needs; `QueryServiceClient` has them. */
export interface ExecutionService {
  getQueryExecution(projectId: string, queryExecutionId: string): Promise<GetQueryExecutionResult>;
  cancelQueryExecution(
    projectId: string,
    queryExecutionId: string,
    options: { ifMatch?: string; retryToken?: string },
  ): Promise<{ opcRequestId: string; attempts: number }>;
}

export interface CancelDeps {
  service: ExecutionService;
  /** One human-readable progress line. */
  log: (line: string) => void;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

/** How many times a 412 on an observed etag may send us back to look again. */
export const MAX_DECISIONS = 3;

/** The execution did not become terminal within `waitTimeoutSeconds`; the cancel itself was done. */
export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
  constructor(
    message: string,
    readonly record: CancellationRecord,
  ) {
    super(message);
  }
}

const isCancelling = (state: string) => CANCELLING_STATES.includes(state);
const kindOf = (e: unknown) => (e instanceof QueryServiceError ? e.kind : undefined);

function label(inputs: CancellationInputs): string {
  return `query execution ${inputs.queryExecutionId} (project ${inputs.projectId})`;
}

/** The etag a cancel is conditioned on: the pinned one, else the one just observed. */
function conditionedOn(inputs: CancellationInputs, observedEtag: string): string {
  return inputs.ifMatch ?? observedEtag;
}

function tokenFor(inputs: CancellationInputs, etag: string): string {
  return (
    inputs.retryToken ??
    deriveRetryToken({
      projectId: inputs.projectId,
      queryExecutionId: inputs.queryExecutionId,
      etag,
      triggers: inputs.triggers,
    })
  );
}

function alreadyTerminal(inputs: CancellationInputs, seen: GetQueryExecutionResult): CancellationRecord {
  const state = seen.execution.lifecycleState;
  // CANCELED is the end state the user asked for, whoever got there first: possibly this very
  // cancellation, in a run that died after its POST and is re-run once the cancel completed.
  // So "fail" is only for executions that finished on their own.
  if (inputs.onAlreadyTerminal === "fail" && state !== "CANCELED") {
    throw new Error(
      `The ${label(inputs)} is already ${state}, so there is nothing to cancel ` +
        `(opc-request-id ${seen.opcRequestId}). Set onAlreadyTerminal to "succeed" to accept this.`,
    );
  }
  return {
    outcome: "ALREADY_TERMINAL",
    retryToken: tokenFor(inputs, conditionedOn(inputs, seen.etag)),
    etagAtCancel: seen.etag,
    etag: seen.etag,
    lifecycleState: state,
    cancelRequestId: "",
    timeCancelRequested: "",
  };
}

function notFound(inputs: CancellationInputs, error: QueryServiceError): CancellationRecord {
  if (inputs.onNotFound === "fail") {
    throw new Error(
      `The ${label(inputs)} was not found, or this user may not read it ` +
        `(${error.status ?? ""} ${error.details.code}, opc-request-id ${error.details.opcRequestId || "none"}). ` +
        `Check the ids and the IAM policy, or set onNotFound to "succeed" if a missing execution is fine.`,
    );
  }
  return {
    outcome: "NOT_FOUND",
    retryToken: tokenFor(inputs, conditionedOn(inputs, "")),
    etagAtCancel: "",
    etag: "",
    lifecycleState: "NOT_FOUND",
    cancelRequestId: "",
    timeCancelRequested: "",
  };
}

/** Cancelling already (by us in a crashed run, or by someone else): record it, send nothing. */
function alreadyCancelling(inputs: CancellationInputs, seen: GetQueryExecutionResult): CancellationRecord {
  return {
    outcome: "CANCEL_REQUESTED",
    retryToken: tokenFor(inputs, conditionedOn(inputs, seen.etag)),
    etagAtCancel: seen.etag,
    etag: seen.etag,
    lifecycleState: seen.execution.lifecycleState,
    cancelRequestId: "",
    timeCancelRequested: "",
  };
}

async function look(deps: CancelDeps, inputs: CancellationInputs): Promise<GetQueryExecutionResult | QueryServiceError> {
  try {
    return await deps.service.getQueryExecution(inputs.projectId, inputs.queryExecutionId);
  } catch (e) {
    if (kindOf(e) === "NotFound") return e as QueryServiceError;
    throw e;
  }
}

/**
 * Cancels the execution at most once: GET, then decide; POST only while it is active, with
 * `if-match` and a stable retry token; re-decide (bounded) when an observed etag went stale.
 */
export async function cancelExecution(deps: CancelDeps, inputs: CancellationInputs): Promise<CancellationRecord> {
  for (let decision = 1; decision <= MAX_DECISIONS; decision++) {
    const seen = await look(deps, inputs);
    if (seen instanceof QueryServiceError) return notFound(inputs, seen);
    const state = seen.execution.lifecycleState;
    if (isTerminalState(state)) return alreadyTerminal(inputs, seen);
    if (isCancelling(state)) return alreadyCancelling(inputs, seen);

    const ifMatch = conditionedOn(inputs, seen.etag);
    const retryToken = tokenFor(inputs, ifMatch);
    try {
      const accepted = await deps.service.cancelQueryExecution(inputs.projectId, inputs.queryExecutionId, {
        ifMatch,
        retryToken,
      });
      deps.log(`Cancel of ${label(inputs)} accepted (was ${state}; opc-request-id ${accepted.opcRequestId}).`);
      return {
        outcome: "CANCEL_REQUESTED",
        retryToken,
        etagAtCancel: ifMatch,
        etag: seen.etag,
        lifecycleState: state,
        cancelRequestId: accepted.opcRequestId,
        timeCancelRequested: new Date(deps.now()).toISOString(),
      };
    } catch (e) {
      const kind = kindOf(e);
      if (kind === "EtagMismatch") {
        if (inputs.ifMatch !== undefined) {
          throw new Error(
            `The ${label(inputs)} no longer has the pinned etag ${JSON.stringify(inputs.ifMatch)}, so it was not cancelled ` +
              `(${(e as Error).message}) Remove ifMatch, or set it to the current etag ${JSON.stringify(seen.etag)} and run again.`,
          );
        }
        deps.log(`The ${label(inputs)} changed between look and cancel (412); looking again (${decision}/${MAX_DECISIONS}).`);
        continue;
      }
      if (kind === "NotFound") return notFound(inputs, e as QueryServiceError);
      if (kind === "Conflict" || kind === "Invalid" || kind === "IncorrectState") {
        // Most often the query finished between our look and our cancel: look once more.
        const after = await look(deps, inputs);
        if (after instanceof QueryServiceError) return notFound(inputs, after);
        if (isTerminalState(after.execution.lifecycleState)) return alreadyTerminal(inputs, after);
        if (isCancelling(after.execution.lifecycleState)) return alreadyCancelling(inputs, after);
      }
      throw e;
    }
  }
  throw new Error(
    `The ${label(inputs)} changed its etag ${MAX_DECISIONS} times while we tried to cancel it, so no cancel was applied. ` +
      `Something else keeps updating it; run again once it settles.`,
  );
}

/** Polling backoff while waiting: 1 s doubling to 10 s, so a progress line comes at least every 10 s. */
export function pollDelayMs(poll: number): number {
  return Math.min(10_000, 1000 * 2 ** Math.max(0, poll - 1));
}

/**
 * Polls until the execution is terminal or `waitTimeoutSeconds` pass, logging the state and the
 * time elapsed after every poll. A timeout throws `WaitTimeoutError` carrying the latest record.
 */
export async function waitForTerminal(deps: CancelDeps, inputs: CancellationInputs, record: CancellationRecord): Promise<CancellationRecord> {
  const started = deps.now();
  const deadline = started + inputs.waitTimeoutSeconds * 1000;
  let current = record;
  for (let poll = 1; ; poll++) {
    const seen = await look(deps, inputs);
    if (seen instanceof QueryServiceError) return { ...current, etag: "", lifecycleState: "NOT_FOUND" };
    current = { ...current, etag: seen.etag, lifecycleState: seen.execution.lifecycleState };
    const elapsed = Math.round((deps.now() - started) / 1000);
    if (isTerminalState(current.lifecycleState)) {
      deps.log(`The ${label(inputs)} is ${current.lifecycleState} after ${elapsed}s.`);
      return current;
    }
    const left = deadline - deps.now();
    if (left <= 0) {
      throw new WaitTimeoutError(
        `The cancel of the ${label(inputs)} was requested, but it is still ${current.lifecycleState} after ` +
          `${inputs.waitTimeoutSeconds}s (waitTimeoutSeconds). The cancel will not be sent again; raise ` +
          `waitTimeoutSeconds or set waitForTerminalState to false, then run again.`,
        current,
      );
    }
    deps.log(`Waiting for the ${label(inputs)}: ${current.lifecycleState} after ${elapsed}s (up to ${inputs.waitTimeoutSeconds}s).`);
    await deps.sleep(Math.min(pollDelayMs(poll), left));
  }
}

/**
 * Import (`pulumi import`, `.get()`): records what the service shows of an execution some earlier
 * cancel acted on, and sends nothing. An execution that is still active was cancelled by no one:
 * there is nothing to adopt, and the message says how to cancel it instead.
 */
export async function adoptExecution(deps: CancelDeps, inputs: CancellationInputs): Promise<CancellationRecord> {
  const seen = await look(deps, inputs);
  if (seen instanceof QueryServiceError) return notFound(inputs, seen);
  const state = seen.execution.lifecycleState;
  if (isTerminalState(state)) return alreadyTerminal(inputs, seen);
  if (isCancelling(state)) return alreadyCancelling(inputs, seen);
  throw new Error(
    `The ${label(inputs)} is ${state}: nothing has cancelled it, so there is no cancellation to import. ` +
      `Declare a QueryExecutionCancellation for it in the program and run pulumi up, which cancels it once.`,
  );
}

/** Refresh: the latest etag and state; a purged execution stays recorded as NOT_FOUND. */
export async function observe(deps: CancelDeps, inputs: CancellationInputs): Promise<{ etag: string; lifecycleState: string }> {
  const seen = await look(deps, inputs);
  if (seen instanceof QueryServiceError) return { etag: "", lifecycleState: "NOT_FOUND" };
  return { etag: seen.etag, lifecycleState: seen.execution.lifecycleState };
}

/**
 * Drift: the cancel was requested, yet the execution is active again under an etag other than
 * the one the cancel was conditioned on. Only then is a new cancel (a replacement) warranted.
 */
export function hasDrifted(recorded: Partial<CancellationRecord>): boolean {
  if (recorded.outcome !== "CANCEL_REQUESTED") return false;
  const state = recorded.lifecycleState ?? "";
  if (!state || state === "NOT_FOUND" || isTerminalState(state) || isCancelling(state)) return false;
  return (recorded.etag ?? "") !== (recorded.etagAtCancel ?? "");
}
