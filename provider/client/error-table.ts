// What a failed attempt means, in one table: for an answer, by its status (and code, where the
// API gives one status several meanings); for a failure without an answer, by Node's error code.
// Each row says the error's kind, whether another attempt may succeed, and, where the kind's
// usual advice does not fit, what to do instead.

import type { QueryServiceErrorKind } from "./errors.js";

export interface Meaning {
  kind: QueryServiceErrorKind;
  /** True when another attempt may succeed (a POST still needs a retry token for that). */
  retryable: boolean;
  /** One sentence: what the user should do now. */
  nextStep: string;
}

/** The usual advice for each kind. */
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
  Network: "No answer came: check the endpoint (or region), DNS, the proxy settings (HTTPS_PROXY, NO_PROXY) and network access.",
  Timeout: "No answer came in time: check the endpoint and network, or raise attemptTimeoutMs.",
  Malformed: "The answer is not a Query Service response: check that endpoint points at the Query Service and not at a proxy or login page.",
};

interface AnswerRow {
  /** One status, or an inclusive range. */
  status: number | readonly [number, number];
  /** Only this service code; any code when absent. */
  code?: string;
  kind: QueryServiceErrorKind;
  retryable: boolean;
  nextStep?: string;
}

// The OCI SDKs' retry rules (query-service-api.md §8.3): 409 only for IncorrectState, 429, and
// the 5xx that can pass, not 501. The first row that matches wins.
const ANSWERS: readonly AnswerRow[] = [
  { status: 401, kind: "NotAuthenticated", retryable: false },
  { status: [402, 403], kind: "NotAuthorized", retryable: false },
  { status: 404, kind: "NotFound", retryable: false },
  { status: 409, code: "IncorrectState", kind: "IncorrectState", retryable: true },
  { status: 409, code: "InvalidatedRetryToken", kind: "RetryTokenInvalid", retryable: false },
  { status: 409, kind: "Conflict", retryable: false },
  { status: 412, kind: "EtagMismatch", retryable: false },
  { status: 429, kind: "Throttled", retryable: true },
  { status: 500, kind: "ServerError", retryable: true },
  { status: 501, kind: "NotImplemented", retryable: false },
  { status: [502, 504], kind: "ServerError", retryable: true },
  { status: [505, 999], kind: "ServerError", retryable: false },
  { status: [400, 499], kind: "Invalid", retryable: false },
  {
    status: [300, 399],
    kind: "Malformed",
    retryable: false,
    nextStep: "The endpoint redirects and redirects are not followed (the signature covers host and path): set endpoint to the URL that answers directly.",
  },
  // 1xx, and a 2xx other than the operation's documented one: nothing this client can read.
  { status: [100, 299], kind: "Malformed", retryable: false },
];

interface NoAnswerRow {
  code: RegExp;
  kind: QueryServiceErrorKind;
  retryable: boolean;
  nextStep?: string;
}

// Without an answer, only the failures that asking again within the budget cannot cure are not
// retried; anything else (refused, reset, EAI_AGAIN, the attempt timeout) may heal.
const NO_ANSWER: readonly NoAnswerRow[] = [
  { code: /^Timeout$/, kind: "Timeout", retryable: true },
  {
    code: /^ProxyDenied$/,
    kind: "Network",
    retryable: false,
    nextStep:
      "The proxy refused to open a tunnel to the endpoint: check the user and password in HTTPS_PROXY, and that the proxy allows CONNECT to the endpoint's host and port, or list the host in NO_PROXY to go direct.",
  },
  {
    code: /^ENOTFOUND$/,
    kind: "Network",
    retryable: false,
    nextStep: "The endpoint's host name does not exist (DNS answered so): check endpoint, or region, for a typo.",
  },
  {
    // Self-signed, expired, wrong host, unknown issuer: an untrusted certificate stays untrusted.
    code: /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/,
    kind: "Network",
    retryable: false,
    nextStep: "The server's TLS certificate is not trusted: check the endpoint, or pass the certificate of the CA that signed it as ca.",
  },
  {
    code: /^EPROTO$|^ERR_SSL_/,
    kind: "Network",
    retryable: false,
    nextStep: "The endpoint does not speak TLS on that port: check the scheme (https) and the port of endpoint.",
  },
  { code: /^HPE_/, kind: "Network", retryable: false, nextStep: "The endpoint does not answer in HTTP: check that its port is the Query Service's." },
  { code: /.*/, kind: "Network", retryable: true },
];

/**
 * What a failure means. `status` undefined means no answer came: then `code` is Node's error code
 * ("Timeout" for the attempt timeout); otherwise it is the service's code.
 */
export function meaningOf(status: number | undefined, code: string): Meaning {
  const row =
    status === undefined
      ? NO_ANSWER.find((r) => r.code.test(code))!
      : (ANSWERS.find((r) => inStatus(r.status, status) && (r.code === undefined || r.code === code)) ?? ANSWERS.at(-1)!);
  return { kind: row.kind, retryable: row.retryable, nextStep: row.nextStep ?? NEXT_STEPS[row.kind] };
}

/** The usual advice for a kind, where a failure's own row says nothing more specific. */
export function nextStepOf(kind: QueryServiceErrorKind): string {
  return NEXT_STEPS[kind];
}

function inStatus(row: AnswerRow["status"], status: number): boolean {
  return typeof row === "number" ? row === status : status >= row[0] && status <= row[1];
}
