// Pure retry timing: how long to wait before the next attempt, and when to stop. Which failures
// are worth another attempt is the error table's (error-table.ts). Time and randomness are
// parameters, so tests pin them and check exact numbers.

import { ConfigurationError } from "./errors.js";
import type { RetryPolicy } from "./types.js";

/** The OCI SDKs' defaults, with a tighter total budget than their 600 s. */
export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 8,
  maxAttemptsWithRetryAfter: 100,
  baseDelayMs: 1000,
  maxDelayMs: 30000,
  totalBudgetMs: 120000,
});

/** Fills the defaults and rejects values that would make the loop meaningless. */
export function resolveRetryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...definedOnly(partial) };
  for (const key of ["maxAttempts", "maxAttemptsWithRetryAfter"] as const) {
    if (!Number.isInteger(policy[key]) || policy[key] < 1) {
      throw new ConfigurationError(`retry.${key}: an integer >= 1 expected; got ${policy[key]}`, `retry.${key}`);
    }
  }
  for (const key of ["baseDelayMs", "maxDelayMs", "totalBudgetMs"] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0) {
      throw new ConfigurationError(`retry.${key}: a number of milliseconds >= 0 expected; got ${policy[key]}`, `retry.${key}`);
    }
  }
  return policy;
}

export interface NextDelayInput {
  /** Attempts made so far, the failed one included (1 after the first failure). */
  attempt: number;
  /** The server's Retry-After, in ms, when it sent one. */
  retryAfterMs?: number;
  /** Time since the call began, waits included. */
  elapsedMs: number;
  policy: RetryPolicy;
  /** 0 <= x < 1 */
  random: () => number;
}

/**
 * The wait before the next attempt, or undefined to stop.
 *
 * Without a Retry-After: full jitter, random() * min(maxDelayMs, baseDelayMs * 2^(attempt-1)).
 * With one (above 0): Retry-After plus up to one more Retry-After of jitter, whatever the attempt
 * number. A Retry-After below baseDelayMs counts as baseDelayMs: `Retry-After: 0.001` would
 * otherwise make a call of tens of thousands of attempts. Waiting exactly what the service asked makes every throttled caller come back at once
 * and be refused again; growing the wait with the attempt number leaves the service's capacity
 * unused (BENCHMARKS.md compares the two against oci-common's).
 * The wait is clipped to the budget left; a Retry-After the budget cannot cover stops the loop,
 * since coming back earlier would only be refused again. An attempt that starts before the
 * budget ends still runs to its own timeout.
 */
export function nextDelayMs({ attempt, retryAfterMs, elapsedMs, policy, random }: NextDelayInput): number | undefined {
  if (stopReason({ attempt, retryAfterMs, elapsedMs, policy }) !== undefined) return undefined;
  const asked = retryAfterMs !== undefined && retryAfterMs > 0 ? Math.max(retryAfterMs, policy.baseDelayMs) : undefined;
  const wait = asked !== undefined ? asked + random() * asked : jitteredDelayMs(attempt, policy, random);
  return Math.min(wait, policy.totalBudgetMs - elapsedMs);
}

/** Why nextDelayMs would stop, in words for the log; undefined when it would not. */
export function stopReason({ attempt, retryAfterMs, elapsedMs, policy }: Omit<NextDelayInput, "random">): string | undefined {
  const left = policy.totalBudgetMs - elapsedMs;
  // A service that says when to come back is followed past maxAttempts, for as long as the budget
  // lasts: under sustained throttling, counting its 429s against maxAttempts fails calls with
  // budget left. maxAttemptsWithRetryAfter is the hard cap that still holds then.
  const told = retryAfterMs !== undefined && retryAfterMs > 0;
  if (attempt >= policy.maxAttempts && !told) return `all ${policy.maxAttempts} attempts used`;
  if (attempt >= policy.maxAttemptsWithRetryAfter) return `all ${policy.maxAttemptsWithRetryAfter} attempts used (maxAttemptsWithRetryAfter)`;
  if (left <= 0) return `the time budget of ${policy.totalBudgetMs} ms is spent`;
  if (retryAfterMs !== undefined && retryAfterMs > left) {
    return `Retry-After asks for ${retryAfterMs} ms but only ${Math.floor(left)} ms of the budget are left`;
  }
  return undefined;
}

function jitteredDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return random() * ceiling;
}

/**
 * A Retry-After header as milliseconds from nowMs: delay-seconds (decimals accepted, as the
 * docs call it a decimal number) or an HTTP-date. Undefined when absent or unreadable; a date
 * in the past gives 0.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  if (!/[a-z]/i.test(text)) return undefined; // "-1", "1e3": not a date either
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
