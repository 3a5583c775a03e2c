// The retry-token memory around a write: the same opc-retry-token on the same request replays the
// first 2xx answer with no second effect; on a different request it is 409 InvalidatedRetryToken.
// The memory itself (24 h of the emulator clock) is RetryTokenMemory, below.

import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { wireErrorAnswer } from "./errors.js";
import type { OperationName } from "./faults.js";
import type { Answer } from "./answer.js";
import { RETRYABLE_WRITES } from "./routes.js";
import type { Clock } from "./clock.js";

export interface TokenedRequest {
  operation: OperationName;
  projectId: string;
  queryExecutionId?: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The answer to a request, from the memory when its token was used for the same request before,
 * else from `run` (remembered when it is a 2xx). `replayed` says which. Tokens on GETs are moot
 * and ignored.
 */
export function withRetryTokenMemory(req: TokenedRequest, memory: RetryTokenMemory, run: () => Answer): { answer: Answer; replayed: boolean } {
  const token = req.headers["opc-retry-token"];
  if (typeof token !== "string" || !RETRYABLE_WRITES.includes(req.operation)) return { answer: run(), replayed: false };
  if (token.length < 1 || token.length > 64) {
    return { answer: wireErrorAnswer("InvalidParameter", "opc-retry-token must be 1..64 characters."), replayed: false };
  }
  const fingerprint = fingerprintOf(req);
  const remembered = memory.recall(token);
  if (remembered) {
    if (remembered.fingerprint !== fingerprint) {
      const answer = wireErrorAnswer("InvalidatedRetryToken", "The retry token was already used for a different request; retry with a new token.");
      return { answer, replayed: false };
    }
    const headers = { ...remembered.headers };
    return {
      answer: remembered.body === "" ? { status: remembered.status, headers } : { status: remembered.status, headers, body: remembered.body },
      replayed: true,
    };
  }
  const answer = run();
  if (answer.status >= 200 && answer.status < 300) {
    memory.remember(token, { fingerprint, status: answer.status, headers: answer.headers, body: answer.body ?? "" });
  }
  return { answer, replayed: false };
}

/**
 * Same operation, project, execution and if-match (and for creates and renames the same body):
 * the same request. Anything else under a used token is a different request.
 */
function fingerprintOf(req: TokenedRequest): string {
  const withBody = req.operation === "CreateQueryExecution" || req.operation === "UpdateQueryExecution";
  const bodyHash = withBody ? createHash("sha256").update(req.body).digest("hex") : "";
  return JSON.stringify([req.operation, req.projectId, req.queryExecutionId ?? "", req.headers["if-match"] ?? "", bodyHash]);
}

/** A remembered 2xx answer, keyed by opc-retry-token. */
export interface RememberedAnswer {
  fingerprint: string;
  expiresAt: number;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const RETRY_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** The tokens of the 2xx answers to writes, each remembered for 24 h of the emulator clock. */
export class RetryTokenMemory {
  // Insertion order is expiry order (one TTL for all), so expired tokens are always at the front.
  private readonly tokens = new Map<string, RememberedAnswer>();

  constructor(private readonly clock: Clock) {}

  clear(): void {
    this.tokens.clear();
  }

  /** The remembered answer for a token (expired ones are forgotten first). */
  recall(token: string): RememberedAnswer | undefined {
    const a = this.tokens.get(token);
    if (a && a.expiresAt <= this.clock.now()) {
      this.tokens.delete(token);
      return undefined;
    }
    return a;
  }

  /** Remembers a 2xx answer for 24 h of the clock. */
  remember(token: string, answer: Omit<RememberedAnswer, "expiresAt">): void {
    const now = this.clock.now();
    this.forgetExpiredTokens(now);
    this.tokens.delete(token); // re-inserted at the end, keeping expiry order
    this.tokens.set(token, { ...answer, expiresAt: now + RETRY_TOKEN_TTL_MS });
  }

  /** How many tokens are remembered and not expired. */
  count(): number {
    this.forgetExpiredTokens(this.clock.now());
    return this.tokens.size;
  }

  /** Drops expired tokens from the front; stops at the first live one (later ones expire later). */
  private forgetExpiredTokens(now: number): void {
    for (const [t, a] of this.tokens) {
      if (a.expiresAt > now) return;
      this.tokens.delete(t);
    }
  }
}
