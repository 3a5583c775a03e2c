// The HTTP(S) server: routing, authentication, faults, retry-token memory and the request log,
// around the handlers in routes.ts. Every API request goes through the same steps:
//   1. match the route (404 NotFound / 405 MethodNotAllowed, before auth: there is no operation);
//   2. verify the signature (401 NotAuthenticated; a bad signature is never hidden by a fault);
//   3. the rate limit, then the first matching fault;
//   4. the retry-token memory (a replay or 409 InvalidatedRetryToken), then the handler.
// Admin routes under /_emulator/ skip all of that and are never logged.

import { createHash, randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { generate } from "selfsigned";
import { systemClock, type Clock } from "./clock.js";
import { writeCredentialsFiles, type EmulatorCredentials, type WriteCredentialsOptions } from "./credentials.js";
import { defaultCodeForStatus, errorBody, WireError, WIRE_ERRORS } from "./errors.js";
import {
  describeFault,
  Faults,
  FaultSpecError,
  validateFault,
  validateRateLimit,
  type EmulatorFaults,
  type FaultSpec,
  type MalformedKind,
} from "./faults.js";
import { HANDLERS, matchRoute, RETRYABLE_WRITES, type Answer } from "./routes.js";
import { KeyRegistry, MAX_CLOCK_SKEW_MS, verifyRequest } from "./signature.js";
import { DEFAULT_PROJECT_ID, KNOWN_STATES, MAX_LOGGED_BODY_CHARACTERS, Store, type EmulatorStore, type RecordedRequest } from "./store.js";

export interface StartEmulatorOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1/localhost (its PEM is `emu.ca`). @default false */
  https?: boolean;
  /** Drives lifecycle steps, etags, signature dates, the retry-token memory and the rate limit. @default the wall clock */
  clock?: Clock;
  /** CANCELING -> CANCELED after this long. @default 2000 */
  cancelDelayMs?: number;
  /** Durations for executions made by CreateQueryExecution; `Infinity` = never moves on. */
  lifecycle?: {
    /** ACCEPTED -> IN_PROGRESS. @default 1000 */
    acceptedMs?: number;
    /** IN_PROGRESS -> SUCCEEDED. @default 30000 */
    runningMs?: number;
  };
  /** Signature verification. "off" accepts unsigned requests (quick manual use only). @default "on" */
  auth?: "on" | "off";
  /** How far a signed date may be from the emulator clock. @default 300000 (OCI's 5 minutes) */
  maxClockSkewMs?: number;
  /** One line per request (method, path, status, operation, opc-request-id); never credentials. */
  log?: (line: string) => void;
  /**
   * How many requests `requests()` and `GET /_emulator/requests` keep, the oldest forgotten
   * first; bodies are kept up to 4096 characters. `stats()` counts every request regardless.
   * `Infinity` keeps all (a long soak that reads the whole log). @default 10000
   */
  requestLogSize?: number;
}

export interface EmulatorStats {
  requests: number;
  byOperation: Record<string, number>;
  byStatus: Record<string, number>;
  /** Answers replayed from the retry-token memory. */
  replays: number;
  /** Requests a fault or the rate limit acted on. */
  faulted: number;
  /** Connections dropped by faults. */
  droppedConnections: number;
  executions: number;
  effectiveCancels: number;
  /** Retry tokens remembered and not yet expired. */
  retryTokens: number;
  activeFaults: number;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** PEM of the self-signed certificate when `https` is on. */
  readonly ca?: string;
  readonly clock: Clock;
  /** The project used when none is given. */
  readonly defaultProjectId: string;
  readonly store: EmulatorStore;
  readonly faults: EmulatorFaults;
  /** The last `requestLogSize` requests (admin routes excluded), oldest first, optionally of one operation. */
  requests(operation?: string): RecordedRequest[];
  /** Cancel requests actually applied to this execution (202, not a retry-token replay). */
  effectiveCancels(queryExecutionId: string): number;
  stats(): EmulatorStats;
  /** Accepts signatures of this keyId (`tenancy/user/fingerprint`, or `ST$<token>`) made with this key. */
  registerKey(keyId: string, publicKeyPem: string): void;
  /**
   * Generates a key pair, registers it, and writes key.pem and an OCI config file in `dir`
   * (default: a temp dir removed on close).
   */
  writeCredentials(dir?: string, options?: WriteCredentialsOptions): Promise<EmulatorCredentials>;
  /** Forgets executions, retry tokens, the request log, cancel counts and faults; keeps registered keys. */
  reset(): void;
  /** Stops listening and ends every socket. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const ADMIN_PREFIX = "/_emulator";

function newRequestId(): string {
  return randomBytes(16).toString("hex").toUpperCase();
}

function redactHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = k.toLowerCase() === "authorization" ? "[redacted]" : Array.isArray(v) ? v.join(", ") : v;
  }
  return out;
}

function errorAnswer(status: number, code: string, message: string, headers: Record<string, string> = {}): Answer {
  return { status, headers, body: errorBody(code, message) };
}

function wireErrorAnswer(e: WireError): Answer {
  return errorAnswer(e.status, e.code, e.message, e.headers);
}

/** A broken body for a success answer; the status and headers stay. */
function malformedAnswer(answer: Answer, kind: MalformedKind): Answer & { contentType?: string } {
  switch (kind) {
    case "truncated-json": {
      const text = answer.body ?? '{"lifecycleState":"CANCELING","id":"';
      return { ...answer, body: text.slice(0, Math.max(1, Math.floor(text.length / 2))) };
    }
    case "html":
      return { ...answer, body: "<html><head><title>Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>", contentType: "text/html" };
    case "empty-body":
      return { ...answer, body: "" };
    case "wrong-shape":
      return { ...answer, body: JSON.stringify(["not", "the", "expected", "shape"]) };
  }
}

class EmulatorServer implements Emulator {
  readonly clock: Clock;
  readonly defaultProjectId = DEFAULT_PROJECT_ID;
  readonly store: Store;
  readonly faults: Faults;
  readonly ca?: string;
  private readonly keys = new KeyRegistry();
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly waits = new Set<() => void>();
  private readonly tempDirs: string[] = [];
  private readonly counters = { replays: 0, faulted: 0, dropped: 0 };
  private closed = false;
  private address: AddressInfo | undefined;

  constructor(
    private readonly options: StartEmulatorOptions,
    tls: { key: string; cert: string } | undefined,
  ) {
    this.clock = options.clock ?? systemClock;
    this.store = new Store(
      this.clock,
      {
        acceptedMs: options.lifecycle?.acceptedMs ?? 1000,
        runningMs: options.lifecycle?.runningMs ?? 30000,
        cancelDelayMs: options.cancelDelayMs ?? 2000,
      },
      options.requestLogSize,
    );
    this.faults = new Faults(this.clock);
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch((e: unknown) => {
        this.options.log?.(`internal error: ${(e as Error)?.message ?? String(e)}`);
        if (!res.headersSent) this.send(res, errorAnswer(500, "InternalServerError", "The emulator failed to handle this request."), newRequestId());
        else res.destroy();
      });
    };
    if (tls) {
      this.ca = tls.cert;
      this.server = https.createServer({ key: tls.key, cert: tls.cert }, listener);
    } else {
      this.server = http.createServer(listener);
    }
    this.server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    const { port = 0, host = "127.0.0.1" } = this.options;
    await new Promise<void>((resolve, reject) => {
      const fail = (e: NodeJS.ErrnoException) => {
        if (e.code !== "EADDRINUSE") return reject(e);
        const message = `Cannot listen on ${host}:${port}: the port is already in use (another emulator?). Pass another port, or port 0 for any free one.`;
        reject(Object.assign(new Error(message), { code: e.code, host, port }));
      };
      this.server.once("error", fail);
      this.server.listen(port, host, () => {
        this.server.off("error", fail);
        resolve();
      });
    });
    this.address = this.server.address() as AddressInfo;
  }

  get port(): number {
    return this.address?.port ?? 0;
  }

  get url(): string {
    const host = this.options.host ?? "127.0.0.1";
    const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    return `${this.ca ? "https" : "http"}://${shown}:${this.port}`;
  }

  requests(operation?: string): RecordedRequest[] {
    return this.store.requests(operation);
  }

  effectiveCancels(queryExecutionId: string): number {
    return this.store.effectiveCancels(queryExecutionId);
  }

  /** Counters only: as cheap with a million requests behind it as with one. */
  stats(): EmulatorStats {
    return {
      ...this.store.requestCounts(),
      replays: this.counters.replays,
      faulted: this.counters.faulted,
      droppedConnections: this.counters.dropped,
      executions: this.store.count(),
      effectiveCancels: this.store.totalEffectiveCancels(),
      retryTokens: this.store.tokenCount(),
      activeFaults: this.faults.count(),
    };
  }

  registerKey(keyId: string, publicKeyPem: string): void {
    this.keys.register(keyId, publicKeyPem);
  }

  async writeCredentials(dir?: string, options: WriteCredentialsOptions = {}): Promise<EmulatorCredentials> {
    const creds = await writeCredentialsFiles(dir, options, this.clock.now());
    if (dir === undefined) this.tempDirs.push(dirname(creds.configFile));
    this.registerKey(creds.keyId, creds.publicKeyPem);
    return creds;
  }

  reset(): void {
    this.store.reset();
    this.faults.clear();
    this.counters.replays = this.counters.faulted = this.counters.dropped = 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.waits) wake();
    this.waits.clear();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await closing;
    await Promise.all(this.tempDirs.map((d) => rm(d, { recursive: true, force: true })));
  }

  // ---- one request ---------------------------------------------------------------------------

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waits.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waits.add(wake);
    });
  }

  /** The body, or undefined past MAX_BODY_BYTES (not kept), and its size either way. */
  private readBody(req: http.IncomingMessage): Promise<{ body: Buffer | undefined; size: number }> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY_BYTES) chunks.push(c);
      });
      req.on("end", () => resolve({ body: size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks), size }));
      req.on("error", reject);
    });
  }

  private send(res: http.ServerResponse, answer: Answer & { contentType?: string }, opcRequestId: string): void {
    const headers: Record<string, string | number> = { ...answer.headers, "opc-request-id": opcRequestId };
    if (answer.body !== undefined) {
      headers["content-type"] = answer.contentType ?? "application/json";
      headers["content-length"] = Buffer.byteLength(answer.body);
    } else {
      headers["content-length"] = 0;
    }
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const time = this.clock.now();
    const clientRequestId = req.headers["opc-request-id"];
    const opcRequestId = typeof clientRequestId === "string" && clientRequestId ? `${clientRequestId}/${newRequestId()}` : newRequestId();
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1));
    const method = (req.method ?? "GET").toUpperCase();
    const { body, size: bodyBytes } = await this.readBody(req);
    if (this.closed) return;

    if (path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) {
      this.send(res, this.admin(method, path, query, body ?? Buffer.alloc(0)), opcRequestId);
      return;
    }

    const route = matchRoute(method, path);
    const entry: RecordedRequest = {
      operation: route.kind === "operation" ? route.operation : "Unknown",
      method,
      path,
      query: Object.fromEntries(query),
      headers: redactHeaders(req.headers),
      body: (body ?? Buffer.alloc(0)).subarray(0, MAX_LOGGED_BODY_CHARACTERS * 4).toString("utf8"),
      bodyBytes,
      status: 0,
      time,
      opcRequestId,
    };
    if (route.kind === "operation") {
      entry.projectId = route.projectId;
      if (route.queryExecutionId !== undefined) entry.queryExecutionId = route.queryExecutionId;
    }
    const finish = (answer: (Answer & { contentType?: string }) | "drop") => {
      if (answer === "drop") {
        this.counters.dropped += 1;
        entry.status = 0;
        req.socket.destroy();
      } else {
        entry.status = answer.status;
        if (answer.status >= 400 && answer.body) {
          try {
            entry.code = (JSON.parse(answer.body) as { code?: string }).code;
          } catch {
            // a fault's malformed body has no code
          }
        }
        this.send(res, answer, opcRequestId);
      }
      this.store.logRequest(entry);
      this.options.log?.(`${method} ${path} -> ${entry.status || "dropped"} ${entry.operation}${entry.code ? ` ${entry.code}` : ""}${entry.fault ? ` [${entry.fault}]` : ""}${entry.replayed ? " [replayed]" : ""} (${opcRequestId})`);
    };

    if (body === undefined) return finish(errorAnswer(413, "PayloadTooLarge", `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
    if (route.kind === "not-found") return finish(errorAnswer(404, "NotFound", `There is no operation at ${method} ${path.slice(0, 300)}.`));
    if (route.kind === "method-not-allowed") {
      return finish(errorAnswer(405, "MethodNotAllowed", `${method} is not allowed here; use ${route.allow.join(" or ")}.`, { allow: route.allow.join(", ") }));
    }

    if (this.options.auth !== "off") {
      const verdict = verifyRequest(
        { method, url: target, httpVersion: req.httpVersion, headers: req.headers, body },
        this.keys,
        this.clock.now(),
        this.options.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS,
      );
      if (!verdict.ok) return finish(errorAnswer(401, "NotAuthenticated", verdict.reason));
    }

    const admitted = this.faults.admit();
    if (!admitted.ok) {
      this.counters.faulted += 1;
      entry.fault = "rate-limit";
      return finish(errorAnswer(429, "TooManyRequests", "Too many requests for the tenancy; slow down.", { "retry-after": String(admitted.retryAfterSeconds) }));
    }

    const fault = this.faults.take(route.operation, route.queryExecutionId)?.spec;
    if (fault) {
      this.counters.faulted += 1;
      entry.fault = describeFault(fault);
      if (fault.delayMs) {
        await this.sleep(fault.delayMs);
        if (this.closed) return;
      }
      if (fault.beforeEffect === "drop-connection") return finish("drop");
      if (fault.respond) return finish(this.faultAnswer(fault));
    }

    const answer = this.apply(route.operation, route.projectId, route.queryExecutionId, req.headers, query, body, entry);
    if (fault?.afterEffect === "drop-connection") return finish("drop");
    if (fault?.malformed && answer.status < 300) return finish(malformedAnswer(answer, fault.malformed));
    return finish(answer);
  }

  private faultAnswer(fault: FaultSpec): Answer {
    const r = fault.respond!;
    const code = r.code ?? defaultCodeForStatus(r.status);
    const known = (WIRE_ERRORS as Record<string, { message: string } | undefined>)[code];
    const headers: Record<string, string> = { ...(r.headers ?? {}) };
    if (r.retryAfter !== undefined) headers["retry-after"] = r.retryAfter;
    if (r.status < 400) return { status: r.status, headers };
    return errorAnswer(r.status, code, r.message ?? known?.message ?? "Injected fault.", headers);
  }

  /** The retry-token memory around the handler. */
  private apply(
    operation: keyof typeof HANDLERS,
    projectId: string,
    queryExecutionId: string | undefined,
    headers: http.IncomingHttpHeaders,
    query: URLSearchParams,
    body: Buffer,
    entry: RecordedRequest,
  ): Answer {
    const token = headers["opc-retry-token"];
    const usesToken = typeof token === "string" && RETRYABLE_WRITES.includes(operation);
    let fingerprint = "";
    if (usesToken) {
      if (token.length < 1 || token.length > 64) {
        return errorAnswer(400, "InvalidParameter", "opc-retry-token must be 1..64 characters.");
      }
      // Same operation, project, execution and if-match (and for creates and renames the same
      // body): the same request. Anything else under a used token is a different request.
      const bodyHash = operation === "CreateQueryExecution" || operation === "UpdateQueryExecution" ? createHash("sha256").update(body).digest("hex") : "";
      fingerprint = JSON.stringify([operation, projectId, queryExecutionId ?? "", headers["if-match"] ?? "", bodyHash]);
      const remembered = this.store.recall(token);
      if (remembered) {
        if (remembered.fingerprint !== fingerprint) {
          return errorAnswer(409, "InvalidatedRetryToken", "The retry token was already used for a different request; retry with a new token.");
        }
        this.counters.replays += 1;
        entry.replayed = true;
        return remembered.body === "" ? { status: remembered.status, headers: { ...remembered.headers } } : { status: remembered.status, headers: { ...remembered.headers }, body: remembered.body };
      }
    }
    let answer: Answer;
    try {
      answer = HANDLERS[operation]({ projectId, ...(queryExecutionId !== undefined ? { queryExecutionId } : {}), query, headers, body }, this.store);
    } catch (e) {
      if (e instanceof WireError) return wireErrorAnswer(e);
      throw e;
    }
    if (usesToken && answer.status >= 200 && answer.status < 300) {
      this.store.remember(token, { fingerprint, status: answer.status, headers: answer.headers, body: answer.body ?? "" });
    }
    return answer;
  }

  // ---- admin routes (no auth, never logged, no side effects but the named ones) ---------------

  private admin(method: string, path: string, query: URLSearchParams, body: Buffer): Answer {
    const ok = (status: number, value: unknown): Answer => ({ status, headers: {}, body: JSON.stringify(value) });
    const bad = (code: string, message: string, status = 400) => errorAnswer(status, code, message);
    const readJson = (): { value: unknown } | Answer => {
      const text = body.toString("utf8").trim();
      if (!text) return { value: undefined };
      try {
        return { value: JSON.parse(text) };
      } catch {
        return bad("CannotParseRequest", "The request body is not valid JSON.");
      }
    };
    const sub = path.slice(ADMIN_PREFIX.length);
    const allow = (methods: string[], run: () => Answer): Answer =>
      methods.includes(method) ? run() : { ...bad("MethodNotAllowed", `${method} is not allowed on ${path}; use ${methods.join(" or ")}.`, 405), headers: { allow: methods.join(", ") } };

    try {
      switch (sub) {
        case "/faults":
          return allow(["GET", "POST", "DELETE"], () => {
            if (method === "GET") return ok(200, { items: this.faults.list() });
            if (method === "DELETE") {
              this.faults.clear();
              return ok(200, { cleared: true });
            }
            const parsed = readJson();
            if (!("value" in parsed)) return parsed;
            return ok(201, { id: this.faults.add(validateFault(parsed.value)) });
          });
        case "/rate-limit":
          return allow(["POST", "DELETE"], () => {
            if (method === "DELETE") {
              this.faults.rateLimit(null);
              return ok(200, { rateLimit: null });
            }
            const parsed = readJson();
            if (!("value" in parsed)) return parsed;
            const spec = parsed.value === null ? null : validateRateLimit(parsed.value);
            this.faults.rateLimit(spec);
            return ok(200, { rateLimit: spec });
          });
        case "/requests":
          return allow(["GET"], () => ok(200, { items: this.requests(query.get("operation") ?? undefined) }));
        case "/reset":
          return allow(["POST"], () => {
            this.reset();
            return ok(200, { reset: true });
          });
        case "/stats":
          return allow(["GET"], () => ok(200, this.stats()));
        case "/executions":
          return allow(["POST"], () => {
            const parsed = readJson();
            if (!("value" in parsed)) return parsed;
            return this.seed(parsed.value ?? {});
          });
      }
      if (sub.startsWith("/executions/")) {
        return allow(["GET"], () => {
          let id: string;
          try {
            id = decodeURIComponent(sub.slice("/executions/".length));
          } catch {
            return bad("InvalidParameter", "The execution id is not valid percent-encoding.");
          }
          const rec = this.store.findById(id);
          if (!rec) return bad("NotAuthorizedOrNotFound", `No execution ${id}.`, 404);
          return ok(200, { ...this.store.view(rec), effectiveCancels: this.store.effectiveCancels(id) });
        });
      }
      return bad("NotFound", `There is no emulator route at ${method} ${path.slice(0, 300)}.`, 404);
    } catch (e) {
      if (e instanceof FaultSpecError || e instanceof TypeError) return bad("InvalidParameter", e.message);
      throw e;
    }
  }

  private seed(input: unknown): Answer {
    const bad = (message: string) => errorAnswer(400, "InvalidParameter", message);
    if (typeof input !== "object" || input === null || Array.isArray(input)) return bad("The seed must be a JSON object.");
    const { projectId, count = 1, lifecycleState = "IN_PROGRESS", name, runForMs } = input as Record<string, unknown>;
    if (projectId !== undefined && (typeof projectId !== "string" || !projectId || projectId.length > 255)) return bad("projectId must be 1..255 characters.");
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 1000) return bad("count must be an integer 1..1000.");
    if (typeof lifecycleState !== "string" || !(KNOWN_STATES as readonly string[]).includes(lifecycleState)) return bad(`lifecycleState must be one of ${KNOWN_STATES.join(", ")}.`);
    if (name !== undefined && (typeof name !== "string" || !name || name.length > 255)) return bad("name must be 1..255 characters.");
    if (runForMs !== undefined && (typeof runForMs !== "number" || runForMs < 0)) return bad("runForMs must be a number >= 0 (omit it to run until cancelled).");
    const items = [];
    for (let i = 0; i < count; i++) {
      const { projectId: p, id } = this.store.addExecution({
        ...(projectId !== undefined ? { projectId: projectId as string } : {}),
        ...(name !== undefined ? { name: name as string } : {}),
        ...(runForMs !== undefined ? { runForMs: runForMs as number } : {}),
        lifecycleState,
      });
      items.push(this.store.get(p, id));
    }
    return { status: 200, headers: {}, body: JSON.stringify({ items }) };
  }
}

async function selfSignedCertificate(): Promise<{ key: string; cert: string }> {
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    keySize: 2048,
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 30 * 24 * 3600 * 1000),
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

/** Starts an emulator and resolves once it listens. */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  if (options.cancelDelayMs !== undefined && !(options.cancelDelayMs >= 0)) {
    throw new TypeError(`Expected \`cancelDelayMs\` to be >= 0 or Infinity; got ${options.cancelDelayMs}`);
  }
  for (const k of ["acceptedMs", "runningMs"] as const) {
    const v = options.lifecycle?.[k];
    if (v !== undefined && !(v >= 0)) throw new TypeError(`Expected \`lifecycle.${k}\` to be >= 0 or Infinity; got ${v}`);
  }
  if (options.auth !== undefined && options.auth !== "on" && options.auth !== "off") {
    throw new TypeError(`Expected \`auth\` to be "on" or "off"; got ${JSON.stringify(options.auth)}`);
  }
  const tls = options.https ? await selfSignedCertificate() : undefined;
  const emu = new EmulatorServer(options, tls);
  await emu.listen();
  return emu;
}
