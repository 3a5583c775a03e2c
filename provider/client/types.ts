// The Query Service's wire shapes and this client's options, as far as the docs and the
// emulator define them. Only `lifecycleState` and `id` are relied upon; other fields are kept.

/** Known lifecycle states; the service may send others, which are kept and shown as they are. */
export type KnownLifecycleState = "ACCEPTED" | "IN_PROGRESS" | "CANCELING" | "SUCCEEDED" | "FAILED" | "CANCELED";
/** An open set: `string & {}` keeps editor completion for the known names. */
export type LifecycleState = KnownLifecycleState | (string & {});

export const TERMINAL_STATES: readonly string[] = ["SUCCEEDED", "FAILED", "CANCELED"];
export const CANCELLING_STATES: readonly string[] = ["CANCELING"];

/** True for SUCCEEDED, FAILED and CANCELED. */
export function isTerminalState(state: string): boolean {
  return TERMINAL_STATES.includes(state);
}

/** A query execution as GET returns it (`QueryExecution`); unknown fields are kept. */
export interface QueryExecution {
  id: string;
  projectId?: string;
  name?: string;
  lifecycleState: LifecycleState;
  lifecycleDetails?: string;
  timeCreated?: string;
  timeUpdated?: string;
  [field: string]: unknown;
}

/** An item of the list operation (`QueryExecutionSummary`). */
export type QueryExecutionSummary = QueryExecution;

export interface GetQueryExecutionResult {
  execution: QueryExecution;
  /** The `etag` response header: send it back as `if-match`. */
  etag: string;
  /** The service's `opc-request-id` of the answer. */
  opcRequestId: string;
}

export interface CancelQueryExecutionOptions {
  /** Sent as `if-match`: the cancel applies only while the execution still has this etag. */
  ifMatch?: string;
  /** Sent as `opc-retry-token` on every attempt. Without one, a failed POST is never retried. */
  retryToken?: string;
  /** Aborts waiting and retrying (the request in flight is abandoned). */
  signal?: AbortSignal;
}

export interface CancelQueryExecutionResult {
  /** The service's `opc-request-id` of the 202 that accepted the cancel. */
  opcRequestId: string;
  /** How many attempts it took, counting the successful one. */
  attempts: number;
}

export type SortBy = "timeCreated" | "displayName";
export type SortOrder = "ASC" | "DESC";

export interface ListQueryExecutionsFilters {
  /** Only executions in this state (the service filters). */
  lifecycleState?: string;
  /** Only executions with exactly this name (the service filters). */
  name?: string;
  /** Page size, 1..1000. @default 100 */
  limit?: number;
  /** @default "timeCreated" */
  sortBy?: SortBy;
  /** Always sent, because the docs contradict themselves on the default. @default "DESC" */
  sortOrder?: SortOrder;
  signal?: AbortSignal;
}

/** The ways oci-common can authenticate; `ApiKey` reads an OCI config file. */
export type AuthKind = "ApiKey" | "SecurityToken" | "InstancePrincipal" | "ResourcePrincipal" | "OKEWorkloadIdentity";

export const AUTH_KINDS: readonly AuthKind[] = ["ApiKey", "SecurityToken", "InstancePrincipal", "ResourcePrincipal", "OKEWorkloadIdentity"];

/**
 * API-key material given directly (for example from Pulumi stack config secrets) instead of a
 * config file. Never logged, never put in an error.
 */
export interface ApiKeyCredentials {
  tenancy: string;
  user: string;
  fingerprint: string;
  /** PEM text of the private key. */
  privateKey: string;
  passphrase?: string;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. @default 8 */
  maxAttempts: number;
  /**
   * The hard cap on attempts while the service keeps answering with Retry-After, which is
   * followed past maxAttempts within the time budget. @default 100
   */
  maxAttemptsWithRetryAfter: number;
  /** The first backoff ceiling; doubles each attempt. Also the shortest Retry-After wait. @default 1000 */
  baseDelayMs: number;
  /** The largest ceiling of one backoff. @default 30000 */
  maxDelayMs: number;
  /** Time budget for all attempts and waits of one call; a wait is clipped to what is left. @default 120000 */
  totalBudgetMs: number;
}

/** One structured line per attempt and per retry decision. Never carries credentials. */
export type ClientLogLine =
  | {
      event: "attempt";
      operation: string;
      method: string;
      path: string;
      attempt: number;
      clientRequestId: string;
      status?: number;
      code?: string;
      opcRequestId?: string;
      durationMs: number;
      error?: string;
    }
  | {
      event: "retry";
      operation: string;
      /** The attempt that failed. */
      attempt: number;
      /** The most attempts this call may make (maxAttemptsWithRetryAfter while following Retry-After). */
      maxAttempts: number;
      delayMs: number;
      /** Status and code, or the network error's code. */
      reason: string;
      /** The service's message or the network error's text, bounded and redacted. */
      detail: string;
    }
  | {
      event: "give-up";
      operation: string;
      attempt: number;
      reason: string;
    };

/** The client's settings, as ConfigurationError.setting names them when `names` says nothing. */
export type ClientSetting =
  | "endpoint"
  | "region"
  | "endpointTemplate"
  | "auth"
  | "configFile"
  | "profile"
  | "credentials.tenancy"
  | "credentials.user"
  | "credentials.fingerprint"
  | "credentials.privateKey"
  | "credentials.passphrase";

export interface QueryServiceClientOptions {
  /** Base URL, e.g. `https://queryservice.us-ashburn-1.oci.oraclecloud.com`. Wins over `region`. */
  endpoint?: string;
  /** Region id (`us-ashburn-1`) or short code (`iad`), used to fill `endpointTemplate`. */
  region?: string;
  /** A URL with `{region}` (and optionally `{secondLevelDomain}`); see README. */
  endpointTemplate?: string;
  /** @default "ApiKey" */
  auth?: AuthKind;
  /** OCI config file; wins over OCI_CLI_CONFIG_FILE, OCI_CONFIG_FILE and ~/.oci/config. */
  configFile?: string;
  /** Profile in the config file; wins over OCI_CLI_PROFILE; @default "DEFAULT" */
  profile?: string;
  /** API-key material given directly; used instead of the config file when set (ApiKey only). */
  credentials?: ApiKeyCredentials;
  /**
   * Where each setting came from, as the user wrote it: a stack config key
   * (`queryservice:configFile`), an environment variable (`OCI_CLI_PROFILE`), an input name, or a
   * phrase (`region in profile [DEFAULT] of ~/.oci/config`). Errors name the setting this way,
   * and ConfigurationError.setting holds it. @default the option's own name
   */
  names?: Partial<Record<ClientSetting, string>>;
  retry?: Partial<RetryPolicy>;
  /**
   * The most pages one listing follows; past it the listing fails (`TooManyPages`) instead of
   * paging for ever. @default 1000 (100 000 executions at the default limit of 100)
   */
  maxListPages?: number;
  /**
   * When true, a Retry-After received by any call pauses every call of this client: no attempt
   * starts before it has passed. @default false (only the call that got it waits)
   */
  retryAfterGate?: boolean;
  /** Time allowed to one attempt, connect to last byte. @default 30000 */
  attemptTimeoutMs?: number;
  /**
   * The most bytes of one answer's body the client reads. Past it, reading stops and the call
   * fails as Malformed (`ResponseTooLarge`), without a retry. @default 16777216 (16 MiB)
   */
  maxResponseBytes?: number;
  /** Extra CA certificates (PEM) to trust, e.g. the emulator's self-signed one. */
  ca?: string | string[];
  /**
   * Where HTTPS_PROXY, NO_PROXY (and their lower-case forms) are read; see README "Proxies".
   * @default process.env
   */
  proxyEnv?: Readonly<Record<string, string | undefined>>;
  logger?: (line: ClientLogLine) => void;
  /** Pinned for tests: the source of jitter, 0 <= x < 1. @default Math.random */
  random?: () => number;
  /** Pinned for tests: how a backoff waits. @default a timer */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Pinned for tests: a monotonic clock in ms, for the retry budget. @default performance.now */
  now?: () => number;
  /** Pinned for tests: the wall clock in epoch ms, against which a Retry-After date is read. @default Date.now */
  wallClock?: () => number;
}
