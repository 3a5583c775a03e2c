// What the provider records for a cancellation (its outputs), and how an earlier record is read
// back: read and diff get the outputs only, so the inputs and the record are rebuilt from them.

import { CANCEL_OUTCOMES, type CancelOutcome, type CancellationRecord } from "./cancel.js";
import { quoted } from "./client/validate.js";
import { INPUT_KEYS, normaliseInputs, type CancellationInputs } from "./inputs.js";
import { PACKAGE_VERSION } from "./package-info.js";
import { canonicalJson } from "./retry-token.js";

/** Every output of the resource. Never undefined, never a Date: the engine can carry all of it. */
export interface CancellationOutputs extends CancellationRecord {
  projectId: string;
  queryExecutionId: string;
  ifMatch: string;
  triggers: unknown[];
  waitForTerminalState: boolean;
  waitTimeoutSeconds: number;
  onAlreadyTerminal: string;
  onNotFound: string;
  endpoint: string;
  region: string;
  auth: string;
  configFile: string;
  profile: string;
  /** The version of this package that last wrote the outputs. */
  providerVersion: string;
}

export function toOutputs(inputs: CancellationInputs, record: CancellationRecord): CancellationOutputs {
  return {
    projectId: inputs.projectId,
    queryExecutionId: inputs.queryExecutionId,
    ifMatch: inputs.ifMatch ?? "",
    triggers: inputs.triggers,
    waitForTerminalState: inputs.waitForTerminalState,
    waitTimeoutSeconds: inputs.waitTimeoutSeconds,
    onAlreadyTerminal: inputs.onAlreadyTerminal,
    onNotFound: inputs.onNotFound,
    endpoint: inputs.endpoint ?? "",
    region: inputs.region ?? "",
    auth: inputs.auth ?? "",
    configFile: inputs.configFile ?? "",
    profile: inputs.profile ?? "",
    outcome: record.outcome,
    retryToken: record.retryToken,
    etagAtCancel: record.etagAtCancel,
    etag: record.etag,
    lifecycleState: record.lifecycleState,
    cancelRequestId: record.cancelRequestId,
    timeCancelRequested: record.timeCancelRequested,
    providerVersion: PACKAGE_VERSION,
  };
}

/** The inputs an earlier create recorded, rebuilt from its outputs (read and diff get outputs only). */
export function inputsFromOutputs(olds: Record<string, unknown>): CancellationInputs {
  const { retryToken: _effective, ...rest } = olds;
  const { inputs } = normaliseInputs(pick(rest));
  return inputs;
}

/** The record an earlier create wrote. A state without a known outcome is damaged: said, not guessed. */
export function recordFrom(olds: Record<string, unknown>): CancellationRecord {
  const text = (k: string) => (typeof olds[k] === "string" ? (olds[k] as string) : "");
  const outcome = olds.outcome;
  if (!CANCEL_OUTCOMES.includes(outcome as CancelOutcome)) {
    const got = typeof outcome === "string" ? quoted(outcome) : outcome === undefined ? "none" : typeof outcome;
    throw new Error(
      `The recorded state of the cancellation of query execution ${quoted(text("queryExecutionId"))} has outcome ${got}, ` +
        `not one of ${CANCEL_OUTCOMES.join(", ")}: the state is damaged. Restore it (pulumi stack export / import), or ` +
        `remove the resource from it (pulumi state delete <urn>) and run pulumi up, which looks before it cancels.`,
    );
  }
  return {
    outcome: outcome as CancelOutcome,
    retryToken: text("retryToken"),
    etagAtCancel: text("etagAtCancel"),
    etag: text("etag"),
    lifecycleState: text("lifecycleState"),
    cancelRequestId: text("cancelRequestId"),
    timeCancelRequested: text("timeCancelRequested"),
  };
}

function pick(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => INPUT_KEYS.has(k)));
}

/** Optional strings are "" in outputs and absent in inputs; both mean "not set". */
export function same(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v === undefined || v === null ? "" : v);
  return canonicalJson(norm(a)) === canonicalJson(norm(b));
}
