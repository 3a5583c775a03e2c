// Faults are data: each spec says which requests it matches, how many times, and what happens
// instead of (or on top of) the normal answer. The server consults them after authentication
// and before the operation; the first matching fault with uses left wins.

import { validateHeaderName, validateHeaderValue } from "node:http";
import type { Clock } from "./clock.js";

export const OPERATIONS = [
  "ListQueryExecutions",
  "GetQueryExecution",
  "CreateQueryExecution",
  "UpdateQueryExecution",
  "CancelQueryExecution",
  "ClearQueryExecutionResults",
] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** An answer given instead of the operation's; nothing is applied. */
export interface FaultResponse {
  /** HTTP status, e.g. 503. */
  status: number;
  /** @default the usual code of the status (503 ServiceUnavailable, 409 IncorrectState, ...) */
  code?: string;
  /** @default the code's usual message */
  message?: string;
  /** Sent as `retry-after`: seconds ("3") or an HTTP-date. */
  retryAfter?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

export type MalformedKind = "truncated-json" | "html" | "empty-body" | "wrong-shape";

export interface FaultSpec {
  /** Only this operation. @default any operation */
  operation?: OperationName;
  /** Only requests about this execution. @default any */
  queryExecutionId?: string;
  /** How many matching requests it affects; `Infinity` for all. @default 1 */
  times?: number;
  /** Answer this instead; nothing is applied. */
  respond?: FaultResponse;
  /** Wait this long (real time) before handling the request; combines with the other effects. */
  delayMs?: number;
  /** Apply the operation, then destroy the socket without answering: the reply is lost. */
  afterEffect?: "drop-connection";
  /** Destroy the socket without applying anything. */
  beforeEffect?: "drop-connection";
  /** Apply the operation, then answer its success status with a broken body. */
  malformed?: MalformedKind;
}

export interface RateLimitSpec {
  /** Sustained rate; the bucket refills at this rate on the emulator clock. */
  requestsPerSecond: number;
  /** Sent as `retry-after` on each 429. @default 1 */
  retryAfterSeconds?: number;
  /** Bucket size (requests allowed at once). @default max(1, requestsPerSecond) */
  burst?: number;
}

export interface ActiveFault {
  id: string;
  spec: FaultSpec;
  /** Uses left (`Infinity` for unlimited). */
  remaining: number;
}

/** Fault control (`emu.faults`). */
export interface EmulatorFaults {
  /** Adds a fault after the existing ones; returns its id. Throws on an invalid spec. */
  add(spec: FaultSpec): string;
  /** Throttles every API request with a token bucket; `null` turns it off. */
  rateLimit(spec: RateLimitSpec | null): void;
  /** Removes every fault and the rate limit. */
  clear(): void;
  /** The faults with uses left, in matching order. */
  list(): ActiveFault[];
}

/** An invalid fault or rate-limit spec; the message names the field. */
export class FaultSpecError extends Error {
  override readonly name = "FaultSpecError";
}

const MALFORMED: readonly string[] = ["truncated-json", "html", "empty-body", "wrong-shape"];
/** The longest delay a Node timer can wait; a longer one fires after 1 ms instead. */
const MAX_DELAY_MS = 2 ** 31 - 1;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function fail(field: string, expected: string, got: unknown): never {
  throw new FaultSpecError(`Expected \`${field}\` to be ${expected}; got ${JSON.stringify(got) ?? String(got)}`);
}

/** Checks a spec from JS or from JSON (where `times` may be the string "Infinity"). */
export function validateFault(input: unknown): FaultSpec {
  if (!isObject(input)) fail("fault", "an object", input);
  const known = ["operation", "queryExecutionId", "times", "respond", "delayMs", "afterEffect", "beforeEffect", "malformed"];
  for (const k of Object.keys(input)) if (!known.includes(k)) fail(k, `one of the fields ${known.join(", ")}`, k);
  const spec: FaultSpec = {};
  const { operation, queryExecutionId, times, respond, delayMs, afterEffect, beforeEffect, malformed } = input;
  if (operation !== undefined) {
    if (!OPERATIONS.includes(operation as OperationName)) fail("operation", `one of ${OPERATIONS.join(", ")}`, operation);
    spec.operation = operation as OperationName;
  }
  if (queryExecutionId !== undefined) {
    if (typeof queryExecutionId !== "string" || !queryExecutionId) fail("queryExecutionId", "a non-empty string", queryExecutionId);
    spec.queryExecutionId = queryExecutionId;
  }
  if (times !== undefined) {
    const t = times === "Infinity" ? Infinity : times;
    if (typeof t !== "number" || !(t === Infinity || (Number.isInteger(t) && t >= 1))) fail("times", "a positive integer or Infinity", times);
    spec.times = t;
  }
  if (respond !== undefined) {
    if (!isObject(respond)) fail("respond", "an object", respond);
    const { status, code, message, retryAfter, headers } = respond;
    if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599) fail("respond.status", "an HTTP status (100..599)", status);
    const r: FaultResponse = { status };
    if (code !== undefined) {
      if (typeof code !== "string" || code.length < 1 || code.length > 255) fail("respond.code", "1..255 characters", code);
      r.code = code;
    }
    if (message !== undefined) {
      if (typeof message !== "string" || message.length < 1 || message.length > 1024) fail("respond.message", "1..1024 characters", message);
      r.message = message;
    }
    if (retryAfter !== undefined) {
      const ra = typeof retryAfter === "number" ? String(retryAfter) : retryAfter;
      if (typeof ra !== "string" || !ra || !isHeaderValue(ra)) fail("respond.retryAfter", "seconds or an HTTP-date", retryAfter);
      r.retryAfter = ra;
    }
    if (headers !== undefined) {
      if (!isObject(headers) || !Object.values(headers).every((v) => typeof v === "string")) fail("respond.headers", "an object of strings", headers);
      // Checked now, as Node would check them when answering: a bad one would otherwise turn
      // every matching request into a 500 from the emulator instead of the fault asked for.
      for (const [name, value] of Object.entries(headers as Record<string, string>)) {
        if (!isHeaderName(name)) fail(`respond.headers`, "HTTP header names (letters, digits and !#$%&'*+-.^_`|~)", name);
        if (!isHeaderValue(value)) fail(`respond.headers.${name}`, "a header value without CR, LF or other control characters", value);
      }
      r.headers = headers as Record<string, string>;
    }
    spec.respond = r;
  }
  if (delayMs !== undefined) {
    if (typeof delayMs !== "number" || !(delayMs >= 0 && delayMs <= MAX_DELAY_MS))
      fail("delayMs", `a number of milliseconds from 0 to ${MAX_DELAY_MS} (about 24.8 days)`, delayMs);
    spec.delayMs = delayMs;
  }
  if (afterEffect !== undefined) {
    if (afterEffect !== "drop-connection") fail("afterEffect", `"drop-connection"`, afterEffect);
    spec.afterEffect = afterEffect;
  }
  if (beforeEffect !== undefined) {
    if (beforeEffect !== "drop-connection") fail("beforeEffect", `"drop-connection"`, beforeEffect);
    spec.beforeEffect = beforeEffect;
  }
  if (malformed !== undefined) {
    if (typeof malformed !== "string" || !MALFORMED.includes(malformed)) fail("malformed", `one of ${MALFORMED.join(", ")}`, malformed);
    spec.malformed = malformed as MalformedKind;
  }
  const outcomes = (["respond", "afterEffect", "beforeEffect", "malformed"] as const).filter((k) => spec[k] !== undefined);
  if (outcomes.length > 1) throw new FaultSpecError(`Only one of [${outcomes.join(", ")}] can be given in one fault`);
  if (outcomes.length === 0 && spec.delayMs === undefined) {
    throw new FaultSpecError("A fault needs one of respond, delayMs, afterEffect, beforeEffect or malformed");
  }
  return spec;
}

function isHeaderName(name: string): boolean {
  try {
    validateHeaderName(name);
    return true;
  } catch {
    return false;
  }
}

function isHeaderValue(value: string): boolean {
  try {
    validateHeaderValue("x", value);
    return true;
  } catch {
    return false;
  }
}

export function validateRateLimit(input: unknown): RateLimitSpec {
  if (!isObject(input)) fail("rateLimit", "an object", input);
  const { requestsPerSecond, retryAfterSeconds, burst } = input;
  if (typeof requestsPerSecond !== "number" || !(requestsPerSecond > 0) || !Number.isFinite(requestsPerSecond))
    fail("requestsPerSecond", "a finite number > 0", requestsPerSecond);
  const spec: RateLimitSpec = { requestsPerSecond };
  if (retryAfterSeconds !== undefined) {
    if (typeof retryAfterSeconds !== "number" || !Number.isInteger(retryAfterSeconds) || retryAfterSeconds < 0)
      fail("retryAfterSeconds", "an integer >= 0", retryAfterSeconds);
    spec.retryAfterSeconds = retryAfterSeconds;
  }
  if (burst !== undefined) {
    if (typeof burst !== "number" || !Number.isInteger(burst) || burst < 1) fail("burst", "an integer >= 1", burst);
    spec.burst = burst;
  }
  return spec;
}

/** How a fault is named in the request log. */
export function describeFault(spec: FaultSpec): string {
  const parts: string[] = [];
  if (spec.delayMs !== undefined) parts.push(`delay ${spec.delayMs}ms`);
  if (spec.respond) parts.push(`respond ${spec.respond.status}`);
  if (spec.beforeEffect) parts.push(`${spec.beforeEffect} before effect`);
  if (spec.afterEffect) parts.push(`${spec.afterEffect} after effect`);
  if (spec.malformed) parts.push(`malformed ${spec.malformed}`);
  return parts.join(", ");
}

export class Faults implements EmulatorFaults {
  private active: ActiveFault[] = [];
  private nextId = 1;
  private bucket: { spec: Required<RateLimitSpec>; tokens: number; at: number } | undefined;

  constructor(private readonly clock: Clock) {}

  add(spec: FaultSpec): string {
    const valid = validateFault(spec);
    const id = `fault-${this.nextId++}`;
    this.active.push({ id, spec: valid, remaining: valid.times ?? 1 });
    return id;
  }

  rateLimit(spec: RateLimitSpec | null): void {
    if (spec === null) {
      this.bucket = undefined;
      return;
    }
    const v = validateRateLimit(spec);
    const full = {
      requestsPerSecond: v.requestsPerSecond,
      retryAfterSeconds: v.retryAfterSeconds ?? 1,
      burst: v.burst ?? Math.max(1, Math.floor(v.requestsPerSecond)),
    };
    this.bucket = { spec: full, tokens: full.burst, at: this.clock.now() };
  }

  clear(): void {
    this.active = [];
    this.bucket = undefined;
  }

  list(): ActiveFault[] {
    return this.active.map((f) => ({ id: f.id, spec: structuredClone(f.spec), remaining: f.remaining }));
  }

  /** @internal How many faults have uses left, without copying them. */
  count(): number {
    return this.active.length;
  }

  /** @internal Takes one use of the first fault matching this request. */
  take(operation: string, queryExecutionId: string | undefined): ActiveFault | undefined {
    const i = this.active.findIndex(
      (f) =>
        (f.spec.operation === undefined || f.spec.operation === operation) &&
        (f.spec.queryExecutionId === undefined || f.spec.queryExecutionId === queryExecutionId),
    );
    if (i < 0) return undefined;
    const f = this.active[i]!;
    f.remaining -= 1;
    if (f.remaining <= 0) this.active.splice(i, 1);
    return { ...f };
  }

  /** @internal Takes a token from the bucket; the Retry-After seconds when there is none. */
  admit(): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const b = this.bucket;
    if (!b) return { ok: true };
    const now = this.clock.now();
    b.tokens = Math.min(b.spec.burst, b.tokens + (Math.max(0, now - b.at) / 1000) * b.spec.requestsPerSecond);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: b.spec.retryAfterSeconds };
  }
}
