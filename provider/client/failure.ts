// Turning a failed attempt into a QueryServiceError: its kind, its details and what to do next.

import { STATUS_CODES, type IncomingHttpHeaders } from "node:http";
import { QueryServiceError, type QueryServiceErrorKind } from "./errors.js";
import { classify, lastingNetworkFailure } from "./retry.js";
import { SERVICE_TEXT_LIMITS, serviceText } from "./service-text.js";

/** What the client knows about the call when an attempt fails. */
export interface CallContext {
  operation: string;
  method: string;
  path: string;
  attempts: number;
  clientRequestId: string;
  /** False for a POST without an opc-retry-token: its outcome is unknown after a failure. */
  retryAllowed: boolean;
}

export interface Failure {
  status?: number;
  code: string;
  serviceMessage: string;
  opcRequestId: string;
  /** Overrides the kind classify() gives, e.g. Malformed for an unreadable 200. */
  kind?: QueryServiceErrorKind;
  /** Overrides the kind's usual next step. */
  nextStep?: string;
  /** Kept as the error's cause: never got's error, which carries the authorization header. */
  cause?: { name: string; code?: string };
}

export function toError(ctx: CallContext, f: Failure): QueryServiceError {
  const classified = classify(f.status, f.code);
  const kind = f.kind ?? classified.kind;
  const retryable = f.kind === undefined && classified.retryable && ctx.retryAllowed;
  const outcomeUnknown = !ctx.retryAllowed && (kind === "Network" || kind === "Timeout" || kind === "ServerError");
  const step = f.nextStep ?? nextStep(kind);
  const error = new QueryServiceError({
    operation: ctx.operation,
    kind,
    method: ctx.method,
    path: ctx.path,
    status: f.status,
    code: f.code,
    serviceMessage: f.serviceMessage,
    opcRequestId: f.opcRequestId,
    clientRequestId: ctx.clientRequestId,
    attempts: ctx.attempts,
    retryable,
    nextStep: outcomeUnknown
      ? `${step} The request may or may not have taken effect: read the resource to find out; with an opc-retry-token such failures are retried safely.`
      : step,
  });
  if (f.cause) error.cause = f.cause;
  return error;
}

/** A failure without a response, from the facts kept of got's error. */
export function noResponseFailure(error: { name: string; code: string; message: string; timeout: boolean }, attemptTimeoutMs: number): Failure {
  const cause = { name: error.name, code: error.code };
  if (error.timeout) {
    return { code: "Timeout", serviceMessage: `no answer within ${attemptTimeoutMs} ms`, opcRequestId: "", cause };
  }
  return {
    code: serviceText(error.code, SERVICE_TEXT_LIMITS.code),
    serviceMessage: serviceText(error.message, SERVICE_TEXT_LIMITS.networkError),
    opcRequestId: "",
    cause,
    nextStep: lastingNetworkFailure(error.code),
  };
}

/** A 3xx: redirects are not followed, so it is reported, with the target stripped of secrets. */
export function redirectFailure(status: number, headers: IncomingHttpHeaders, opcRequestId: string): Failure {
  const location = firstHeader(headers.location) ?? "";
  let shown = "";
  try {
    const url = new URL(location);
    shown = `${url.origin}${url.pathname}`; // no userinfo, no query
  } catch {
    shown = location.split(/[?#]/)[0] ?? ""; // a relative location
  }
  return {
    status,
    code: "Redirect",
    serviceMessage: `redirect to ${serviceText(shown, 200) || "(no location)"}`,
    opcRequestId,
    nextStep: "The endpoint redirects and redirects are not followed (the signature covers host and path): set endpoint to the URL that answers directly.",
  };
}

/**
 * The service's `{code, message}`, bounded to the documented lengths and redacted; a body that
 * is not one still yields a readable code and text.
 */
export function parseErrorBody(status: number, text: string): { code: string; serviceMessage: string } {
  const body = parseJsonObject(text);
  const code = typeof body?.code === "string" && body.code !== "" ? serviceText(body.code, SERVICE_TEXT_LIMITS.code) : reasonPhrase(status);
  const message =
    typeof body?.message === "string" ? body.message : body ? "" : text.slice(0, SERVICE_TEXT_LIMITS.message * 4).replace(/\s+/g, " ").trim();
  return { code, serviceMessage: serviceText(message, SERVICE_TEXT_LIMITS.message) };
}

/** A JSON object, or undefined for anything else (including arrays and invalid JSON). */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** "Service Unavailable" → "ServiceUnavailable": the stand-in code when the body has none. */
function reasonPhrase(status: number): string {
  return (STATUS_CODES[status] ?? `HTTP${status}`).replace(/[^A-Za-z0-9]/g, "") || `HTTP${status}`;
}

const NEXT_STEPS: Record<QueryServiceErrorKind, string> = {
  NotFound:
    "Check projectId and queryExecutionId, and that an IAM policy lets this user read query executions in the project's compartment (OCI answers 404 for both).",
  EtagMismatch: "The execution changed since its etag was read: GET it again and decide with the new etag.",
  IncorrectState: "The execution is in a state that does not allow this yet: wait and try again, or GET it to see its state.",
  Conflict: "The execution's state does not allow this: GET it to see its current state.",
  RetryTokenInvalid: "The opc-retry-token was invalidated by a later operation: use a new retry token if the action is still wanted.",
  Invalid: "The service rejected the request: check the ids and arguments against the message.",
  NotAuthenticated:
    "Check the API key: the tenancy, user and fingerprint in the config must match the uploaded public key, and the clock must be within 5 minutes of real time.",
  NotAuthorized: "Add an IAM policy that lets this user manage query executions in the project's compartment.",
  Throttled: "The service is throttling: lower the concurrency (for example pulumi up --parallel 2) or try again later.",
  ServerError: "The service failed: try again later, and quote the opc-request-id to Oracle support if it persists.",
  NotImplemented: "The endpoint does not implement this operation: check that endpoint points at the Query Service.",
  Network: "No answer came: check the endpoint (or region), DNS, proxy settings and network access.",
  Timeout: "No answer came in time: check the endpoint and network, or raise attemptTimeoutMs.",
  Malformed: "The answer is not a Query Service response: check that endpoint points at the Query Service and not at a proxy or login page.",
};

export function nextStep(kind: QueryServiceErrorKind): string {
  return NEXT_STEPS[kind];
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
