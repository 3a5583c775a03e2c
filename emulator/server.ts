// The HTTP(S) server: one request's way through the emulator, around the handlers in routes.ts.
// Every API request goes through the same steps:
//   1. match the route (404 NotFound / 405 MethodNotAllowed, before auth: there is no operation);
//   2. verify the signature (401 NotAuthenticated; a bad signature is never hidden by a fault);
//   3. the rate limit, then the first matching fault;
//   4. the retry-token memory (retry-tokens.ts: a replay or 409 InvalidatedRetryToken), then the handler.
// Admin routes under /_emulator/ (admin-routes.ts) skip all of that and are never logged.

import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { ADMIN_PREFIX, adminAnswer } from "./admin-routes.js";
import { selfSignedCertificate } from "./certificate.js";
import { systemClock, type Clock } from "./clock.js";
import { writeCredentialsFiles, type EmulatorCredentials, type WriteCredentialsOptions } from "./credentials.js";
import type { Answer } from "./answer.js";
import { WireError, wireErrorAnswer } from "./errors.js";
import { faultAnswer, malformedAnswer } from "./fault-answers.js";
import { describeFault, Faults, type OperationName } from "./faults.js";
import { RequestLog, MAX_LOGGED_BODY_CHARACTERS, type RecordedRequest } from "./request-log.js";
import { RetryTokenMemory, withRetryTokenMemory } from "./retry-tokens.js";
import { HANDLERS, matchRoute } from "./routes.js";
import { KeyRegistry, MAX_CLOCK_SKEW_MS, verifyRequest } from "./signature.js";
import { DEFAULT_PROJECT_ID, Store } from "./store.js";
import type { Emulator, EmulatorStats, StartEmulatorOptions } from "./types.js";

const MAX_BODY_BYTES = 1024 * 1024;

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

class EmulatorServer implements Emulator {
  readonly clock: Clock;
  readonly defaultProjectId = DEFAULT_PROJECT_ID;
  readonly store: Store;
  readonly faults: Faults;
  readonly ca?: string;
  private readonly tokens: RetryTokenMemory;
  private readonly log: RequestLog;
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
    this.store = new Store(this.clock, {
      acceptedMs: options.lifecycle?.acceptedMs ?? 1000,
      runningMs: options.lifecycle?.runningMs ?? 30000,
      cancelDelayMs: options.cancelDelayMs ?? 2000,
    });
    this.tokens = new RetryTokenMemory(this.clock);
    this.log = new RequestLog(options.requestLogSize);
    this.faults = new Faults(this.clock);
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch((e: unknown) => {
        this.options.log?.(`internal error: ${(e as Error)?.message ?? String(e)}`);
        if (!res.headersSent) this.send(res, wireErrorAnswer("InternalServerError", "The emulator failed to handle this request."), newRequestId());
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
    return this.log.requests(operation);
  }

  effectiveCancels(queryExecutionId: string): number {
    return this.store.effectiveCancels(queryExecutionId);
  }

  /** Counters only: as cheap with a million requests behind it as with one. */
  stats(): EmulatorStats {
    return {
      ...this.log.requestCounts(),
      replays: this.counters.replays,
      faulted: this.counters.faulted,
      droppedConnections: this.counters.dropped,
      executions: this.store.count(),
      effectiveCancels: this.store.totalEffectiveCancels(),
      retryTokens: this.tokens.count(),
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
    this.tokens.clear();
    this.log.clear();
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
      this.send(res, adminAnswer(this, method, path, query, body ?? Buffer.alloc(0)), opcRequestId);
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
      this.log.record(entry);
      this.options.log?.(
        `${method} ${path} -> ${entry.status || "dropped"} ${entry.operation}${entry.code ? ` ${entry.code}` : ""}${entry.fault ? ` [${entry.fault}]` : ""}${entry.replayed ? " [replayed]" : ""} (${opcRequestId})`,
      );
    };

    if (body === undefined) return finish(wireErrorAnswer("PayloadTooLarge", `The request body is larger than ${MAX_BODY_BYTES} bytes.`));
    if (route.kind === "not-found") return finish(wireErrorAnswer("NotFound", `There is no operation at ${method} ${path.slice(0, 300)}.`));
    if (route.kind === "method-not-allowed") {
      return finish(wireErrorAnswer("MethodNotAllowed", `${method} is not allowed here; use ${route.allow.join(" or ")}.`, { allow: route.allow.join(", ") }));
    }

    if (this.options.auth !== "off") {
      const verdict = verifyRequest(
        { method, url: target, httpVersion: req.httpVersion, headers: req.headers, body },
        this.keys,
        this.clock.now(),
        this.options.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS,
      );
      if (!verdict.ok) return finish(wireErrorAnswer("NotAuthenticated", verdict.reason));
    }

    const admitted = this.faults.admit();
    if (!admitted.ok) {
      this.counters.faulted += 1;
      entry.fault = "rate-limit";
      return finish(wireErrorAnswer("TooManyRequests", "Too many requests for the tenancy; slow down.", { "retry-after": String(admitted.retryAfterSeconds) }));
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
      if (fault.respond) return finish(faultAnswer(fault));
    }

    const { operation, projectId, queryExecutionId } = route;
    const tokened = { operation, projectId, ...(queryExecutionId !== undefined ? { queryExecutionId } : {}), headers: req.headers, body };
    const { answer, replayed } = withRetryTokenMemory(tokened, this.tokens, () => this.operate(tokened, req.headers, query, body));
    if (replayed) {
      this.counters.replays += 1;
      entry.replayed = true;
    }
    if (fault?.afterEffect === "drop-connection") return finish("drop");
    if (fault?.malformed && answer.status < 300) return finish(malformedAnswer(answer, fault.malformed));
    return finish(answer);
  }

  /** The operation itself: its handler over the store, a thrown WireError answered from the table. */
  private operate(
    route: { operation: OperationName; projectId: string; queryExecutionId?: string },
    headers: http.IncomingHttpHeaders,
    query: URLSearchParams,
    body: Buffer,
  ): Answer {
    try {
      return HANDLERS[route.operation]({ ...route, query, headers, body }, this.store);
    } catch (e) {
      if (e instanceof WireError) return wireErrorAnswer(e.code, e.message, e.headers);
      throw e;
    }
  }
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
  const tls = options.https ? await selfSignedCertificate(options.certificateHostNames) : undefined;
  const emu = new EmulatorServer(options, tls);
  await emu.listen();
  return emu;
}
