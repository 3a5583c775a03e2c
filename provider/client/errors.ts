// One small family of errors. Callers branch on `kind`, never on status numbers. Messages are
// built once from the details, and no detail ever holds a header, key or passphrase.

export type QueryServiceErrorKind =
  | "NotFound" // 404: missing, or not authorized to see it (OCI does not say which)
  | "EtagMismatch" // 412 NoEtagMatch
  | "IncorrectState" // 409 IncorrectState (temporary)
  | "Conflict" // 409 Conflict and other non-temporary 409s
  | "RetryTokenInvalid" // 409 InvalidatedRetryToken: retry only with a new token
  | "Invalid" // other 400s
  | "NotAuthenticated" // 401
  | "NotAuthorized" // 403
  | "Throttled" // 429
  | "ServerError" // 5xx
  | "NotImplemented" // 501
  | "Network" // no response: connection refused, reset, dropped
  | "Timeout" // no response within the attempt timeout or the overall budget
  | "Malformed"; // an answer this client cannot read (bad JSON, missing etag, …)

export interface QueryServiceErrorDetails {
  /** The API's operation name, e.g. `CancelQueryExecution`. */
  operation: string;
  kind: QueryServiceErrorKind;
  method: string;
  /** The request path (no query string, no host). */
  path: string;
  /** Absent when no response came. */
  status?: number;
  /** The service's `code`, or a code of this client's for network and parse failures. */
  code: string;
  serviceMessage: string;
  /** The service's `opc-request-id`, or "" when no response came. */
  opcRequestId: string;
  /** The `opc-request-id` this client sent (the last attempt's). */
  clientRequestId: string;
  attempts: number;
  /** Whether the client would retry this kind of failure (it may have run out of attempts). */
  retryable: boolean;
  /** One sentence: what the user should do now. */
  nextStep: string;
}

/** A request to the Query Service that did not succeed. */
export class QueryServiceError extends Error {
  override readonly name = "QueryServiceError";
  readonly details: Readonly<QueryServiceErrorDetails>;

  constructor(details: QueryServiceErrorDetails) {
    super(describeFailure(details));
    this.details = Object.freeze({ ...details });
  }

  get kind(): QueryServiceErrorKind {
    return this.details.kind;
  }
  get status(): number | undefined {
    return this.details.status;
  }
}

/** `CancelQueryExecution failed: 412 NoEtagMatch "…" (opc-request-id X, 1 attempt). Next step.` */
export function describeFailure(d: QueryServiceErrorDetails): string {
  const what = d.status === undefined ? d.code : `${d.status} ${d.code}`;
  const said = d.serviceMessage ? ` "${d.serviceMessage}"` : "";
  const ids = d.opcRequestId ? `opc-request-id ${d.opcRequestId}` : `client request id ${d.clientRequestId}`;
  const tries = `${d.attempts} attempt${d.attempts === 1 ? "" : "s"}`;
  return `${d.operation} failed: ${what}${said} (${d.method} ${d.path}, ${ids}, ${tries}). ${d.nextStep}`;
}

/**
 * Where a setting came from, for messages: "stack config oci:region", "OCI_CLI_PROFILE",
 * "the profile setting"; a name that is already a phrase is kept.
 */
export function describeSource(name: string): string {
  if (name.includes(" ")) return name;
  if (name.includes(":")) return `stack config ${name}`;
  if (/^[A-Z][A-Z0-9_]*$/.test(name)) return name;
  return `the ${name} setting`;
}

/** Bad configuration or credentials, found before any request: nothing was sent. */
export class ConfigurationError extends Error {
  override readonly name = "ConfigurationError";
  constructor(
    message: string,
    /** The setting at fault as the user set it, e.g. `endpoint`, `queryservice:configFile`, `OCI_CLI_PROFILE`, `oci:privateKey`. */
    readonly setting: string,
  ) {
    super(message);
  }
}

/** An argument that breaks a documented rule; nothing was sent. */
export class InvalidArgumentError extends Error {
  override readonly name = "InvalidArgumentError";
  constructor(
    readonly argument: string,
    readonly reason: string,
  ) {
    super(`${argument}: ${reason}`);
  }
}
