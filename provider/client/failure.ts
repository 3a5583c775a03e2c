// Turning a failed attempt into a QueryServiceError: the facts of the failure, what the error
// table says it means, and the message built from both.

import { STATUS_CODES, type IncomingHttpHeaders } from "node:http";
import { isLoopbackHost } from "./endpoint.js";
import { meaningOf, nextStepOf, type Meaning } from "./error-table.js";
import { QueryServiceError, type QueryServiceErrorKind } from "./errors.js";
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
  /** Overrides the kind the error table gives, e.g. Malformed for an unreadable 200; never retried. */
  kind?: QueryServiceErrorKind;
  /** Overrides the table's next step, for advice that depends on the call. */
  nextStep?: string;
  /** Kept as the error's cause: never got's error, which carries the authorization header. */
  cause?: { name: string; code?: string };
}

/** What the failure means: the error table's row, or the kind the failure itself names. */
export function meaningFor(f: Failure): Meaning {
  return f.kind === undefined ? meaningOf(f.status, f.code) : { kind: f.kind, retryable: false, nextStep: nextStepOf(f.kind) };
}

export function toError(ctx: CallContext, f: Failure, meaning: Meaning = meaningFor(f)): QueryServiceError {
  const { kind } = meaning;
  const outcomeUnknown = !ctx.retryAllowed && (kind === "Network" || kind === "Timeout" || kind === "ServerError");
  const step = f.nextStep ?? meaning.nextStep;
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
    retryable: meaning.retryable && ctx.retryAllowed,
    nextStep: outcomeUnknown
      ? `${step} The request may or may not have taken effect: read the resource to find out; with an opc-retry-token such failures are retried safely.`
      : step,
  });
  if (f.cause) error.cause = f.cause;
  return error;
}

/** A failure without a response, from the facts kept of got's error; `endpoint` is where it went. */
export function noResponseFailure(
  error: { name: string; code: string; message: string; timeout: boolean },
  attemptTimeoutMs: number,
  endpoint: string,
): Failure {
  const cause = { name: error.name, code: error.code };
  if (error.timeout) {
    return { code: "Timeout", serviceMessage: `no answer within ${attemptTimeoutMs} ms`, opcRequestId: "", cause };
  }
  const loopback = error.code === "ECONNREFUSED" ? loopbackAddress(endpoint) : undefined;
  if (loopback) {
    // On this machine a refused connection means no server on that port, which no retry within
    // the budget mends (the emulator not started, or on another port): say so at once.
    return {
      code: "ECONNREFUSED",
      serviceMessage: `nothing is listening on ${loopback} — is the emulator running?`,
      opcRequestId: "",
      cause,
      kind: "Network",
      nextStep: `Start the emulator (npm run emulator, or the package bin oci-query-service-emulator), or set endpoint to the address it prints.`,
    };
  }
  return {
    code: serviceText(error.code, SERVICE_TEXT_LIMITS.code),
    serviceMessage: serviceText(error.message, SERVICE_TEXT_LIMITS.networkError),
    opcRequestId: "",
    cause,
  };
}

/** `host:port` of a loopback endpoint (the default port filled in), or undefined for any other host. */
function loopbackAddress(endpoint: string): string | undefined {
  const url = new URL(endpoint);
  if (!isLoopbackHost(url.hostname)) return undefined;
  return `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
}

/** A 3xx: redirects are not followed, so it is reported, with the target stripped of secrets. */
export function redirectFailure(status: number, headers: IncomingHttpHeaders, opcRequestId: string): Failure {
  const location = headerValue(headers, "location") ?? "";
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
    typeof body?.message === "string"
      ? body.message
      : body
        ? ""
        : text
            .slice(0, SERVICE_TEXT_LIMITS.message * 4)
            .replace(/\s+/g, " ")
            .trim();
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

/** A response header's value; the first, when it came more than once. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
