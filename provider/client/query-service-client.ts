// provider/client/ answers one question: how does one call to the Query Service go out and come
// back safely, signed, retried, bounded and failed clearly? It knows nothing of Pulumi.
// This file is the client: get, list and cancel query executions, each request signed, sent
// with got, retried by the pure rules in retry.ts and failed as a QueryServiceError.

import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import tls from "node:tls";
import got from "got";
import { PACKAGE_NAME, PACKAGE_VERSION } from "../package-info.js";
import { checkAuthSettings, loadAuthProvider, type AuthSettings } from "./auth.js";
import { API_VERSION_SEGMENT, resolveEndpoint } from "./endpoint.js";
import { ConfigurationError, type QueryServiceError } from "./errors.js";
import { httpsAgentFor } from "./proxy-agent.js";
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
import { foreignExecutionProblem, isOfProject, parseExecution } from "./read-execution.js";
import { SERVICE_TEXT_LIMITS, serviceText } from "./service-text.js";
import { RequestSigner } from "./signer.js";
import type {
  CancelQueryExecutionOptions,
  CancelQueryExecutionResult,
  ClientLogLine,
  GetQueryExecutionResult,
  ListQueryExecutionsFilters,
  QueryExecution,
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

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  opcRequestId: string;
  ctx: CallContext;
}

/** What one attempt ended in: an answer (read to its end or stopped at the size cap), or no answer. */
type AttemptResult =
  | { response: { statusCode: number; headers: IncomingHttpHeaders; body: string } }
  /** The body went past maxResponseBytes: reading stopped there, and the rest was never received. */
  | { tooLarge: { statusCode: number; headers: IncomingHttpHeaders } }
  | { error: { name: string; code: string; message: string; timeout: boolean } };

/**
 * What one answer may hold. The largest page the API gives (1000 executions) comes to about 1 MB
 * at 1 KB an item, so 16 MiB leaves room for items sixteen times that size while a broken or
 * hostile service can make the client hold no more than this per request.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Signs, sends and retries requests to one Query Service endpoint. Knows nothing of Pulumi. */
export class QueryServiceClient {
  /** The base URL requests go to, without a trailing slash. */
  readonly endpoint: string;
  private readonly policy: RetryPolicy;
  private readonly attemptTimeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly authSettings: AuthSettings;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly userAgent: string;
  private readonly logger?: (line: ClientLogLine) => void;
  private readonly random: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly gate?: RetryAfterGate;
  private signer?: Promise<RequestSigner>;
  private readonly maxListPages: number;

  /** Checks the settings and makes no request; credentials are read on the first request. */
  constructor(options: QueryServiceClientOptions = {}) {
    this.endpoint = resolveEndpoint(options);
    this.authSettings = { auth: options.auth, configFile: options.configFile, profile: options.profile, credentials: options.credentials, names: options.names };
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
    this.httpAgent = new http.Agent({ keepAlive: true });
    // Plain http goes only to loopback, which never goes through a proxy: only https can.
    this.httpsAgent = httpsAgentFor({
      endpoint: this.endpoint,
      ca: trustedCertificates(options.ca),
      env: options.proxyEnv ?? process.env,
      connectTimeoutMs: this.attemptTimeoutMs,
    });
    this.userAgent = userAgent();
    this.logger = options.logger;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.now = options.now ?? (() => performance.now());
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
  async cancelQueryExecution(
    projectId: string,
    queryExecutionId: string,
    options: CancelQueryExecutionOptions = {},
  ): Promise<CancelQueryExecutionResult> {
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
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
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
        headers: { accept: "application/json", "user-agent": this.userAgent, "opc-request-id": clientRequestId, ...call.headers },
      });
      const attemptStarted = this.now();
      const result = await this.attempt(url, call, headers);
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
        retryAfterMs: parseRetryAfter(headerValue("response" in result ? result.response.headers : {}, "retry-after"), Date.now()),
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

  private async attempt(url: string, call: Call, headers: Record<string, string>): Promise<AttemptResult> {
    // A stream rather than got's buffered promise: the body is counted as it arrives, so reading
    // stops at maxResponseBytes whatever the service sends (got has no limit of its own).
    let response: { statusCode: number; headers: IncomingHttpHeaders } | undefined;
    try {
      const stream = got.stream(url, {
        method: call.method,
        headers,
        body: call.method === "POST" ? (call.body ?? "") : undefined,
        // The signature covers host and path: a redirect cannot be followed with it.
        followRedirect: false,
        http2: false,
        throwHttpErrors: false,
        retry: { limit: 0 },
        timeout: { request: this.attemptTimeoutMs },
        agent: { http: this.httpAgent, https: this.httpsAgent },
        signal: call.signal,
      });
      let tooLarge = false;
      const stopReading = () => {
        tooLarge = true;
        stream.destroy();
      };
      stream.once("response", (r: { statusCode: number; headers: IncomingHttpHeaders }) => {
        response = { statusCode: r.statusCode, headers: r.headers };
        if (Number(r.headers["content-length"]) > this.maxResponseBytes) stopReading(); // not a byte of it is read
      });
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > this.maxResponseBytes) {
            stopReading();
            break;
          }
          chunks.push(chunk);
        }
      } catch (e) {
        if (!tooLarge) throw e; // destroying the stream ends the loop with a premature-close error
      }
      if (tooLarge && response) return { tooLarge: response };
      if (!response) throw Object.assign(new Error("the connection ended before an answer"), { code: "ECONNRESET" });
      return { response: { ...response, body: Buffer.concat(chunks).toString("utf8") } };
    } catch (e) {
      // Only plain facts leave this block: got's error object holds the signed request headers.
      const err = e as { name?: string; code?: string; message?: string };
      const name = String(err.name ?? "Error");
      return {
        error: {
          name,
          code: String(err.code ?? "NetworkError"),
          message: String(err.message ?? "").split("\n")[0]?.slice(0, 300) ?? "",
          timeout: name === "TimeoutError",
        },
      };
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

function readExecution(answer: Answer, value: unknown, what: string): QueryExecution {
  const read = parseExecution(value, what);
  if ("problem" in read) throw malformed(answer, read.problem);
  return read.execution;
}

/** The answer's opc-request-id, bounded and redacted: it goes into errors, logs and state. */
function requestIdOf(headers: IncomingHttpHeaders): string {
  return serviceText(headerValue(headers, "opc-request-id") ?? "", SERVICE_TEXT_LIMITS.opcRequestId);
}

function malformed(answer: Answer, message: string, nextStep?: string): QueryServiceError {
  return toError(answer.ctx, { status: answer.status, code: "MalformedResponse", serviceMessage: message, opcRequestId: answer.opcRequestId, kind: "Malformed", nextStep });
}

/** The listing reached maxListPages and the service still sends opc-next-page. */
function tooManyPages(answer: Answer, maxPages: number): QueryServiceError {
  return toError(answer.ctx, {
    status: answer.status,
    code: "TooManyPages",
    serviceMessage: `the listing read ${maxPages} pages (maxListPages) and the service still sends opc-next-page; stopped there`,
    opcRequestId: answer.opcRequestId,
    kind: "Malformed",
    nextStep:
      `Most likely endpoint is not the Query Service (it never stops paging): check it. If the project really holds that many executions, ` +
      `narrow the listing (lifecycleState, name), or raise limit (up to 1000 a page) or maxListPages.`,
  });
}

const FOREIGN_ANSWER_STEP =
  "The answer is about another execution, so nothing was decided on it: check that endpoint points at the Query Service itself, not at a cache or proxy that mixes up answers, then run again.";

/**
 * A 2xx other than the documented one (say a proxy's 200 text/html page): not the service's
 * answer, so not a success. For a cancel this means nothing is recorded and the next run looks at
 * the execution again before it sends anything (with the same retry token, so at most once).
 */
function unexpectedSuccess(call: Call, status: number, headers: IncomingHttpHeaders, opcRequestId: string): Failure {
  const type = headerValue(headers, "content-type");
  return {
    status,
    code: "UnexpectedStatus",
    serviceMessage: `${call.operation} answers ${call.success}; got ${status}${type ? ` with ${serviceText(type, 100)}` : ""}`,
    opcRequestId,
    kind: "Malformed",
    nextStep:
      call.method === "POST"
        ? "The answer is not the Query Service's: check that endpoint points at the Query Service and not at a proxy or login page. The cancel was not recorded; the next run looks at the execution again before sending anything."
        : undefined,
  };
}

function describeStatus(f: Failure): string {
  return f.status === undefined ? f.code : `${f.status} ${f.code}`;
}

function trustedCertificates(ca: string | string[] | undefined): string[] | undefined {
  if (ca === undefined) return undefined;
  // `ca` replaces Node's trust store, so the defaults are passed along with the extra ones.
  const defaults = typeof tls.getCACertificates === "function" ? tls.getCACertificates("default") : [...tls.rootCertificates];
  return [...defaults, ...(Array.isArray(ca) ? ca : [ca])];
}

/** `<package>/<version> (Node.js v24…; linux)`. */
function userAgent(): string {
  return `${PACKAGE_NAME}/${PACKAGE_VERSION} (Node.js ${process.version}; ${process.platform})`;
}
