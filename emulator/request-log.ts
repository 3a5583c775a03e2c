// The emulator's request log: the last requests as it saw and answered them (for tests, the admin
// routes and the soak), and counts over all of them since the last reset. Memory stays bounded.

/** One request as the emulator saw and answered it. */
export interface RecordedRequest {
  /** The API operation, `Unknown` for an unmatched path. */
  operation: string;
  method: string;
  /** The path as received (percent-encoded), without the query string. */
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  /** Lower-case names; `authorization` is replaced by "[redacted]". */
  headers: Record<string, string>;
  /** The body as received, as text, cut after MAX_LOGGED_BODY_CHARACTERS (4096) characters. */
  body: string;
  /** The body's full size as received, in bytes. */
  bodyBytes: number;
  /** The status answered; 0 when the connection was dropped instead. */
  status: number;
  /** The emulator clock's time when the request arrived (epoch ms). */
  time: number;
  /** The `opc-request-id` answered (or that would have been, for a dropped connection). */
  opcRequestId: string;
  projectId?: string;
  queryExecutionId?: string;
  /** The wire error code, for error answers. */
  code?: string;
  /** True when the answer was a retry-token replay: nothing was applied. */
  replayed?: boolean;
  /** The injected fault that shaped the answer, e.g. `respond 503`, `drop-connection after effect`. */
  fault?: string;
}

/** How many requests the log keeps by default; the oldest are forgotten first. */
export const DEFAULT_REQUEST_LOG_SIZE = 10_000;
/** How much of a request body the log keeps. */
export const MAX_LOGGED_BODY_CHARACTERS = 4096;

/** Counts over every request since the last reset, whether or not the log still holds it. */
export interface RequestCounts {
  requests: number;
  byOperation: Record<string, number>;
  byStatus: Record<string, number>;
}

export class RequestLog {
  private readonly ring: RequestRing;
  private counts: RequestCounts = { requests: 0, byOperation: {}, byStatus: {} };

  constructor(size = DEFAULT_REQUEST_LOG_SIZE) {
    this.ring = new RequestRing(size);
  }

  /** Forgets the requests and their counts. */
  clear(): void {
    this.ring.clear();
    this.counts = { requests: 0, byOperation: {}, byStatus: {} };
  }

  /** Counts the request and keeps it in the log, its body cut to MAX_LOGGED_BODY_CHARACTERS. */
  record(entry: RecordedRequest): void {
    const c = this.counts;
    c.requests += 1;
    c.byOperation[entry.operation] = (c.byOperation[entry.operation] ?? 0) + 1;
    c.byStatus[String(entry.status)] = (c.byStatus[String(entry.status)] ?? 0) + 1;
    const body = entry.body.length > MAX_LOGGED_BODY_CHARACTERS ? entry.body.slice(0, MAX_LOGGED_BODY_CHARACTERS) : entry.body;
    this.ring.push({ ...entry, body });
  }

  /** The requests the log still holds, oldest first, optionally of one operation (copies). */
  requests(operation?: string): RecordedRequest[] {
    const all = this.ring.entries();
    return (operation ? all.filter((r) => r.operation === operation) : all).map((r) => structuredClone(r));
  }

  /** Counts over every request since the last reset (copies; as many entries as operations and statuses). */
  requestCounts(): RequestCounts {
    return { requests: this.counts.requests, byOperation: { ...this.counts.byOperation }, byStatus: { ...this.counts.byStatus } };
  }
}

/** A ring of the last `size` requests: memory stays bounded however long the emulator runs. */
class RequestRing {
  private ring: RecordedRequest[] = [];
  private start = 0;

  constructor(private readonly size: number) {
    if (!(size === Infinity || (Number.isInteger(size) && size >= 0))) {
      throw new TypeError(`Expected \`requestLogSize\` to be a whole number >= 0 or Infinity; got ${size}`);
    }
  }

  push(entry: RecordedRequest): void {
    if (this.size === 0) return;
    if (this.ring.length < this.size) {
      this.ring.push(entry);
      return;
    }
    this.ring[this.start] = entry;
    this.start = (this.start + 1) % this.ring.length;
  }

  entries(): RecordedRequest[] {
    return [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
  }

  clear(): void {
    this.ring = [];
    this.start = 0;
  }
}
