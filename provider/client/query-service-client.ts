// provider/client/ answers one question: how does one call to the Query Service go out and come
// back safely, signed, retried, bounded and failed clearly? It knows nothing of Pulumi.
// This file is the client: get, list and cancel query executions, each request signed, sent
// by the transport (transport.ts: one attempt with got), retried by the pure rules in retry.ts
// and failed as a QueryServiceError.

import { randomUUID } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { FOREIGN_ANSWER_STEP, malformed, readExecution, requestIdOf, tooManyPages, unexpectedSuccess, type Answer } from "./answer.js";
import { checkAuthSettings, loadAuthProvider, type AuthSettings } from "./auth.js";
import { API_VERSION_SEGMENT, resolveEndpoint } from "./endpoint.js";
import { ConfigurationError, type QueryServiceError } from "./errors.js";
import {
  headerValue,
  meaningFor,
  noResponseFailure,
  parseErrorBody,
  parseJsonObject,
  redirectFailure,
  toError,
  type CallContext,
  type Failure,
} from "./failure.js";
import { DEFAULT_MAX_LIST_PAGES, PageTrail } from "./page-trail.js";
import { nextDelayMs, parseRetryAfter, resolveRetryPolicy, stopReason } from "./retry.js";
import { RetryAfterGate } from "./retry-after-gate.js";
import { foreignExecutionProblem, isOfProject } from "./read-execution.js";
import { RequestSigner } from "./signer.js";
import { DEFAULT_MAX_RESPONSE_BYTES, Transport } from "./transport.js";
import type {
  CancelQueryExecutionOptions,
  CancelQueryExecutionResult,
  ClientLogLine,
  GetQueryExecutionResult,
  ListQueryExecutionsFilters,
  QueryExecutionSummary,
  QueryServiceClientOptions,
  RetryPolicy,
} from "./types.js";
import { etagProblem, validateEtag, validateId, validateListFilters, validateRetryToken, type ListQuery } from "./validate.js";

const API_VERSION = `/${API_VERSION_SEGMENT}`;

interface Call {
  operation: string;
  method: "GET" | "POST";
  /** The documented success status; any other 2xx cannot be the service's answer. */
  success: 200 | 202;
  /** Percent-encoded path below the endpoint, without the query string. */
  path: string;
  /** "" or "?a=b&…", already encoded. */
  query?: string;
  headers?: Record<string, string>;
  body?: string;
  /** A POST is retried only when it carries one; the same token goes out on every attempt. */
  retryToken?: string;
  signal?: AbortSignal;
}

/** Signs, sends and retries requests to one Query Service endpoint. Knows nothing of Pulumi. */
export class QueryServiceClient {
  /** The base URL requests go to, without a trailing slash. */
  readonly endpoint: string;
  private readonly policy: RetryPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly authSettings: AuthSettings;
  private readonly transport: Transport;
  private readonly logger?: (line: ClientLogLine) => void;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly wallClock: () => number;
  private readonly gate?: RetryAfterGate;
  private signer?: Promise<RequestSigner>;
  private readonly maxListPages: number;

  /** Checks the settings and makes no request; credentials are read on the first request. */
  constructor(options: QueryServiceClientOptions = {}) {
    this.endpoint = resolveEndpoint(options);
    this.authSettings = {
      auth: options.auth,
      configFile: options.configFile,
      profile: options.profile,
      credentials: options.credentials,
      names: options.names,
    };
    checkAuthSettings(this.authSettings);
    this.policy = resolveRetryPolicy(options.retry);
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 30000;
    if (!Number.isFinite(this.attemptTimeoutMs) || this.attemptTimeoutMs <= 0) {
      throw new ConfigurationError(`attemptTimeoutMs: a positive number of milliseconds expected; got ${options.attemptTimeoutMs}`, "attemptTimeoutMs");
    }
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (!Number.isInteger(this.maxResponseBytes) || this.maxResponseBytes < 1) {
      throw new ConfigurationError(`maxResponseBytes: a whole number of bytes >= 1 expected; got ${options.maxResponseBytes}`, "maxResponseBytes");
    }
    this.transport = new Transport({
      endpoint: this.endpoint,
      ca: options.ca,
      proxyEnv: options.proxyEnv ?? process.env,
      attemptTimeoutMs: this.attemptTimeoutMs,
      maxResponseBytes: this.maxResponseBytes,
    });
    this.logger = options.logger;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.now = options.now ?? (() => performance.now());
    this.wallClock = options.wallClock ?? Date.now;
    if (options.retryAfterGate) this.gate = new RetryAfterGate(this.now, this.sleep);
    this.maxListPages = options.maxListPages ?? DEFAULT_MAX_LIST_PAGES;
    if (!Number.isInteger(this.maxListPages) || this.maxListPages < 1) {
      throw new ConfigurationError(`maxListPages: a whole number of pages >= 1 expected; got ${options.maxListPages}`, "maxListPages");
    }
  }

  /** GetQueryExecution: the execution, its etag (for if-match) and the service's request id. */
  async getQueryExecution(projectId: string, queryExecutionId: string, options: { signal?: AbortSignal } = {}): Promise<GetQueryExecutionResult> {
    const path = executionPath(projectId, queryExecutionId);
    const answer = await this.send({ operation: "GetQueryExecution", method: "GET", success: 200, path, signal: options.signal });
    const etag = headerValue(answer.headers, "etag");
    if (!etag) throw malformed(answer, "the answer has no etag header");
    // Checked here, so a service's etag that could not go back as if-match is the service's
    // fault, not reported later as the user's ifMatch being wrong.
    const problem = etagProblem(etag);
    if (problem) throw malformed(answer, `the etag header cannot be sent back as if-match (${problem})`);
    const execution = readExecution(answer, parseJsonObject(answer.body), "the body");
    const foreign = foreignExecutionProblem(execution, { projectId, queryExecutionId });
    if (foreign) throw malformed(answer, foreign, FOREIGN_ANSWER_STEP);
    return { execution, etag, opcRequestId: answer.opcRequestId };
  }

  /**
   * ListQueryExecutions over every page (following opc-next-page). The filters are checked
   * now, before any request; requests start when iteration does.
   */
  listQueryExecutions(projectId: string, filters: ListQueryExecutionsFilters = {}): AsyncIterableIterator<QueryExecutionSummary> {
    const project = validateId(projectId, "projectId");
    const path = `${API_VERSION}/projects/${encodeURIComponent(project)}/queryExecutions`;
    return this.pages(path, project, validateListFilters(filters), filters.signal);
  }

  /**
   * CancelQueryExecution: resolves once the service accepted the cancel (202); cancelling is
   * asynchronous, so GET the execution to see it reach CANCELED.
   */
  async cancelQueryExecution(projectId: string, queryExecutionId: string, options: CancelQueryExecutionOptions = {}): Promise<CancelQueryExecutionResult> {
    const path = `${executionPath(projectId, queryExecutionId)}/actions/cancel`;
    const headers: Record<string, string> = {};
    if (options.ifMatch !== undefined) headers["if-match"] = validateEtag(options.ifMatch);
    if (options.retryToken !== undefined) headers["opc-retry-token"] = validateRetryToken(options.retryToken);
    const answer = await this.send({
      operation: "CancelQueryExecution",
      method: "POST",
      success: 202,
      path,
      headers,
      body: "",
      retryToken: options.retryToken,
      signal: options.signal,
    });
    return { opcRequestId: answer.opcRequestId, attempts: answer.ctx.attempts };
  }

  /**
   * Reads and checks the credentials now, when that needs no network (ApiKey, SecurityToken:
   * the config file, the profile, the key and its passphrase), instead of at the first request.
   * Other auth kinds are checked at the first request. Throws ConfigurationError.
   */
  async checkCredentialsOffline(): Promise<void> {
    const auth = this.authSettings.auth ?? "ApiKey";
    if (auth === "ApiKey" || auth === "SecurityToken") await this.credentials();
  }

  /** Closes the kept-alive connections. The client can still be used; it opens new ones. */
  close(): void {
    this.transport.close();
  }

  private async *pages(path: string, projectId: string, query: ListQuery, signal: AbortSignal | undefined): AsyncGenerator<QueryExecutionSummary> {
    let page: string | undefined;
    const trail = new PageTrail(this.maxListPages);
    for (;;) {
      const answer = await this.send({ operation: "ListQueryExecutions", method: "GET", success: 200, path, query: listQueryString(query, page), signal });
      const items = parseJsonObject(answer.body)?.items;
      if (!Array.isArray(items)) throw malformed(answer, "the body is not an object with an items array");
      // An item of another project is no match, whatever the rest of it says.
      yield* items.map((item: unknown, i) => readExecution(answer, item, `items[${i}]`)).filter((item) => isOfProject(item, projectId));
      const next = headerValue(answer.headers, "opc-next-page");
      if (!next) return;
      if (trail.full) throw tooManyPages(answer, trail.maxPages);
      const problem = trail.follow(next);
      if (problem) throw malformed(answer, problem);
      page = next;
    }
  }

  private credentials(): Promise<RequestSigner> {
    if (!this.signer) {
      const loading = loadAuthProvider(this.authSettings, { timeoutMs: this.attemptTimeoutMs }).then((provider) => new RequestSigner(provider));
      // A failure is not kept: the next call tries again (a file may have been fixed meanwhile).
      loading.catch(() => {
        if (this.signer === loading) this.signer = undefined;
      });
      this.signer = loading;
    }
    return this.signer;
  }

  private async send(call: Call): Promise<Answer> {
    const started = this.now();
    const url = `${this.endpoint}${call.path}${call.query ?? ""}`;
    const retryAllowed = call.method === "GET" || call.retryToken !== undefined;
    call.signal?.throwIfAborted();
    const signer = await this.credentials();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.gate?.pass(call.signal);
      } catch (e) {
        throw call.signal?.aborted ? call.signal.reason : e;
      }
      call.signal?.throwIfAborted();
      const clientRequestId = randomUUID().replace(/-/g, "").toUpperCase();
      const ctx: CallContext = { operation: call.operation, method: call.method, path: call.path, attempts: attempt, clientRequestId, retryAllowed };
      // Re-sign every attempt: the signed x-date goes stale during backoff.
      const headers = await signer.sign({
        method: call.method,
        url,
        body: call.body,
        headers: { accept: "application/json", "user-agent": this.transport.userAgent, "opc-request-id": clientRequestId, ...call.headers },
      });
      const attemptStarted = this.now();
      const result = await this.transport.attempt(url, { method: call.method, headers, body: call.body, signal: call.signal });
      const line = { event: "attempt", operation: call.operation, method: call.method, path: call.path, attempt, clientRequestId } as const;
      const durationMs = Math.round(this.now() - attemptStarted);

      let failure: Failure;
      if ("response" in result) {
        const { statusCode: status, headers: responseHeaders, body } = result.response;
        const opcRequestId = requestIdOf(responseHeaders);
        if (status === call.success) {
          this.log({ ...line, status, opcRequestId, durationMs });
          return { status, headers: responseHeaders, body, opcRequestId, ctx };
        }
        if (status >= 200 && status < 300) failure = unexpectedSuccess(call, status, responseHeaders, opcRequestId);
        else if (status >= 300 && status < 400) failure = redirectFailure(status, responseHeaders, opcRequestId);
        else failure = { status, opcRequestId, ...parseErrorBody(status, body) };
        this.log({ ...line, status, code: failure.code, opcRequestId, durationMs });
      } else if ("tooLarge" in result) {
        const { statusCode: status, headers: responseHeaders } = result.tooLarge;
        failure = {
          status,
          code: "ResponseTooLarge",
          serviceMessage: `the body is larger than ${this.maxResponseBytes} bytes (maxResponseBytes); reading stopped there`,
          opcRequestId: requestIdOf(responseHeaders),
          kind: "Malformed",
        };
        this.log({ ...line, status, code: failure.code, opcRequestId: failure.opcRequestId, durationMs });
      } else {
        if (call.signal?.aborted) throw call.signal.reason;
        failure = noResponseFailure(result.error, this.attemptTimeoutMs, this.endpoint);
        this.log({ ...line, code: failure.code, durationMs, error: `${failure.code}: ${failure.serviceMessage}` });
      }

      const meaning = meaningFor(failure);
      const error = toError(ctx, failure, meaning);
      if (!error.details.retryable) {
        const why = meaning.retryable ? "a POST without opc-retry-token is not retried" : `${describeStatus(failure)} is not retried`;
        throw this.giveUp(error, why);
      }
      const timing = {
        attempt,
        retryAfterMs: parseRetryAfter(headerValue("response" in result ? result.response.headers : {}, "retry-after"), this.wallClock()),
        elapsedMs: this.now() - started,
        policy: this.policy,
      };
      if (timing.retryAfterMs) this.gate?.hold(timing.retryAfterMs);
      const wait = nextDelayMs({ ...timing, random: this.random });
      if (wait === undefined) throw this.giveUp(error, stopReason(timing) ?? "no retry left");
      this.log({
        event: "retry",
        operation: call.operation,
        attempt,
        maxAttempts: timing.retryAfterMs ? this.policy.maxAttemptsWithRetryAfter : this.policy.maxAttempts,
        delayMs: Math.round(wait),
        reason: describeStatus(failure),
        detail: failure.serviceMessage,
      });
      try {
        await this.sleep(wait, call.signal);
      } catch (e) {
        throw call.signal?.aborted ? call.signal.reason : e;
      }
    }
  }

  private giveUp(error: QueryServiceError, reason: string): QueryServiceError {
    this.log({ event: "give-up", operation: error.details.operation, attempt: error.details.attempts, reason });
    return error;
  }

  private log(line: ClientLogLine): void {
    try {
      this.logger?.(line);
    } catch {
      // A failing logger must not change the result of a request.
    }
  }
}

function executionPath(projectId: string, queryExecutionId: string): string {
  const project = encodeURIComponent(validateId(projectId, "projectId"));
  const execution = encodeURIComponent(validateId(queryExecutionId, "queryExecutionId"));
  return `${API_VERSION}/projects/${project}/queryExecutions/${execution}`;
}

/** encodeURIComponent, so a space is %20 (the signature covers the query as sent). */
function listQueryString(q: ListQuery, page: string | undefined): string {
  const pairs: Array<[string, string | number | undefined]> = [
    ["lifecycleState", q.lifecycleState],
    ["limit", q.limit ?? 100],
    ["name", q.name],
    ["page", page],
    ["sortBy", q.sortBy],
    ["sortOrder", q.sortOrder],
  ];
  const parts = pairs.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return `?${parts.join("&")}`;
}

function describeStatus(f: Failure): string {
  return f.status === undefined ? f.code : `${f.status} ${f.code}`;
}
