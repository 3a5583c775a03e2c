// The opc-retry-token of one logical cancel. It must be the same in every attempt and in every
// process that performs the same cancel (a crash after the POST and a re-run must replay, not
// cancel twice), and different for a deliberately new cancel. So it is a hash of stable values
// only: never time, randomness or the preview's unknown sentinel.

import { createHash } from "node:crypto";

export interface RetryTokenBasis {
  projectId: string;
  queryExecutionId: string;
  /** The etag the cancel is conditioned on (pinned ifMatch, or the one just observed). */
  etag: string;
  /** The resource's `triggers`: changing them asks for a new cancel. */
  triggers: unknown[];
}

/** Bumped only if the derivation changes; part of the hashed text and of the token. */
const SCHEME = "qec1";

/**
 * `qec1-` + the first 40 hex digits of SHA-256 over the canonical JSON of
 * `["qec1", projectId, queryExecutionId, etag, triggers]` (45 characters).
 *
 * Including the etag means that a re-assert after drift (the execution is active again, with a
 * new etag) gets a new token by itself, while a re-run after a crash, which sees the same etag
 * if its POST never landed, sends the same one.
 */
export function deriveRetryToken(basis: RetryTokenBasis): string {
  const text = canonicalJson([SCHEME, basis.projectId, basis.queryExecutionId, basis.etag, basis.triggers]);
  return `${SCHEME}-${createHash("sha256").update(text, "utf8").digest("hex").slice(0, 40)}`;
}

/** JSON with object keys sorted at every depth, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
