// Argument rules checked before any request, so a bad value never reaches the wire.

import { InvalidArgumentError } from "./errors.js";
import type { ListQueryExecutionsFilters, SortBy, SortOrder } from "./types.js";

// C0 controls, DEL and C1 controls: they end up in a URL or a header and change its meaning.
// eslint-disable-next-line no-control-regex -- control characters are what is matched
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
const RETRY_TOKEN = /^[A-Za-z0-9._-]{1,64}$/;
const SORT_BY: readonly SortBy[] = ["timeCreated", "displayName"];
const SORT_ORDER: readonly SortOrder[] = ["ASC", "DESC"];

// A high surrogate not followed by a low one, or a low one without a high one before it: not
// Unicode, so it has no UTF-8 form and encodeURIComponent throws a URIError naming nothing.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A path id (`projectId`, `queryExecutionId`): 1..255 characters, no control characters or lone surrogates. */
export function validateId(value: unknown, argument: string): string {
  const text = requireString(argument, value);
  checkLength(argument, text, 255);
  checkNoControlCharacters(argument, text);
  checkWellFormed(argument, text);
  // A URL parser collapses "." and ".." segments (also when written %2E), so the request
  // would reach another resource.
  if (text === "." || text === "..") {
    throw new InvalidArgumentError(argument, `"${text}" is not an id`);
  }
  return text;
}

/** An `opc-retry-token`: 1..64 characters of A-Z a-z 0-9 . _ - */
export function validateRetryToken(value: unknown, argument = "retryToken"): string {
  const text = requireString(argument, value);
  if (!RETRY_TOKEN.test(text)) {
    const got = text.length < 1 || text.length > 64 ? `${text.length} characters` : "other characters";
    throw new InvalidArgumentError(argument, `1..64 characters of A-Z a-z 0-9 . _ - expected; got ${got}`);
  }
  return text;
}

/** An `if-match` etag: 1..255 printable characters (it travels as a header). */
export function validateEtag(value: unknown, argument = "ifMatch"): string {
  const text = requireString(argument, value);
  checkLength(argument, text, 255);
  checkNoControlCharacters(argument, text);
  if (/[^\u0020-\u00ff]/.test(text)) {
    throw new InvalidArgumentError(argument, "only Latin-1 characters can travel in a header");
  }
  return text;
}

/** A validator turned into "why not": the reason it gives, or undefined when the value passes. */
export function reasonOf(validate: (value: unknown) => unknown): (value: unknown) => string | undefined {
  return (value) => {
    try {
      validate(value);
      return undefined;
    } catch (e) {
      if (e instanceof InvalidArgumentError) return e.reason;
      throw e;
    }
  };
}

/** Why `value` cannot travel as an if-match etag, or undefined when it can. */
export const etagProblem = reasonOf((value) => validateEtag(value, "etag"));

/** The list filters, with their defaults filled in. */
export interface ListQuery {
  limit?: number;
  lifecycleState?: string;
  name?: string;
  sortBy: SortBy;
  sortOrder: SortOrder;
}

export function validateListFilters(filters: ListQueryExecutionsFilters = {}): ListQuery {
  const { limit, lifecycleState, name } = filters;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) {
    throw new InvalidArgumentError("limit", `an integer 1..1000 expected; got ${String(limit)}`);
  }
  for (const [argument, text] of [
    ["lifecycleState", lifecycleState],
    ["name", name],
  ] as const) {
    if (text === undefined) continue;
    checkLength(argument, requireString(argument, text), 255);
    checkNoControlCharacters(argument, text);
    checkWellFormed(argument, text);
  }
  const sortBy = filters.sortBy ?? "timeCreated";
  if (!SORT_BY.includes(sortBy)) {
    throw new InvalidArgumentError("sortBy", `one of ${SORT_BY.join(", ")} expected; got ${JSON.stringify(sortBy)}`);
  }
  const sortOrder = filters.sortOrder ?? "DESC";
  if (!SORT_ORDER.includes(sortOrder)) {
    throw new InvalidArgumentError("sortOrder", `one of ${SORT_ORDER.join(", ")} expected; got ${JSON.stringify(sortOrder)}`);
  }
  return { limit, lifecycleState, name, sortBy, sortOrder };
}

function requireString(argument: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new InvalidArgumentError(argument, `a string expected; got ${value === null ? "null" : typeof value}`);
  }
  return value;
}

function checkLength(argument: string, text: string, max: number): void {
  if (text.length < 1 || text.length > max) {
    throw new InvalidArgumentError(argument, `1..${max} characters expected; got ${text.length}`);
  }
}

function checkWellFormed(argument: string, text: string): void {
  const at = text.search(LONE_SURROGATE);
  if (at >= 0) {
    const code = text.charCodeAt(at).toString(16).toUpperCase();
    throw new InvalidArgumentError(argument, `a lone UTF-16 surrogate U+${code} at index ${at} is not Unicode and cannot be sent`);
  }
}

/** A value as messages show it: JSON-quoted, and cut after `max` characters with its length. */
export function quoted(text: string, max = 64): string {
  return text.length <= max ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, max))}… (${text.length} characters)`;
}

function checkNoControlCharacters(argument: string, text: string): void {
  const at = text.search(CONTROL_CHARACTER);
  if (at >= 0) {
    const code = text.charCodeAt(at).toString(16).toUpperCase().padStart(4, "0");
    throw new InvalidArgumentError(argument, `control characters are not allowed; found U+${code} at index ${at}`);
  }
}
