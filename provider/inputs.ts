// Validation and normalisation of the resource's inputs. Pure: no network, no clock, no config.
// Check runs this on every preview, where any value may still be the engine's unknown sentinel;
// such values pass through untouched and are never validated or hashed.

import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { endpointProblem } from "./client/endpoint.js";
import type { AuthKind } from "./client/types.js";
import { AUTH_KIND_EXPECTED, authKindOf, type ConnectionSettings } from "./connection-settings.js";
import { CONTROL_CHARACTER, etagProblem, quoted, reasonOf, validateId, validateRetryToken } from "./client/validate.js";
import { canonicalJson } from "./retry-token.js";
import { DEFAULTS, OUTPUT_ONLY_KEYS, REPLACE_KEYS, UPDATE_KEYS, type OnAlreadyTerminal, type OnNotFound } from "./schema.js";

// The key lists and defaults live in the one schema table (schema.ts); re-exported for their users.
export { DEFAULTS, REPLACE_KEYS, UPDATE_KEYS, type OnAlreadyTerminal, type OnNotFound };

/** What the engine sends for a value not known until apply (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The inputs after check: defaults filled, optional connection settings absent when unset. */
export interface CancellationInputs extends ConnectionSettings<AuthKind> {
  projectId: string;
  queryExecutionId: string;
  ifMatch?: string;
  retryToken?: string;
  triggers: unknown[];
  waitForTerminalState: boolean;
  waitTimeoutSeconds: number;
  onAlreadyTerminal: OnAlreadyTerminal;
  onNotFound: OnNotFound;
}

const MAX_WAIT_SECONDS = 24 * 60 * 60;

/**
 * The longest each free-text connection setting may be. Generous for real values (region ids are
 * about 15 characters, paths rarely reach 200), and they keep a mistaken 10 MB value from
 * becoming a 10 MB error message.
 */
export const STRING_LIMITS = { endpoint: 2048, region: 64, auth: 64, configFile: 4096, profile: 255 } as const;

/** Triggers travel in state twice and are hashed into the retry token: JSON, shallow and small. */
export const TRIGGER_LIMITS = { depth: 32, jsonCharacters: 32 * 1024 } as const;

export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN;
}

// The client's validators turned into "why not", so check and the client enforce one set of rules.
/** Why `value` is not an OCI id as the API takes it, or undefined when it is one. */
export const idProblem = reasonOf((value) => validateId(value, "id"));
/** Why `value` is not a retry token, or undefined when it is one. */
export const retryTokenProblem = reasonOf((value) => validateRetryToken(value));
const noControlCharacters = (v: string) => (CONTROL_CHARACTER.test(v) ? "control characters are not allowed" : undefined);

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

function optionalString(
  raw: Record<string, unknown>,
  key: string,
  failures: CheckFailure[],
  rule: (v: string) => string | undefined = noControlCharacters,
  maxLength = Infinity,
): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null || value === "") return undefined;
  if (isUnknown(value)) return value as string;
  if (typeof value !== "string") {
    failures.push({ property: key, reason: `a string expected; got ${describe(value)}` });
    return undefined;
  }
  const problem = value.length > maxLength ? `at most ${maxLength} characters expected; got ${value.length}` : rule(value);
  if (problem) failures.push({ property: key, reason: problem });
  return value;
}

/**
 * Why `value` is not a JSON value, or undefined: no undefined, functions, bigints, symbols, NaN,
 * Dates or other class instances (the engine cannot carry them: a Date arrives as {}, undefined
 * as null), nested at most TRIGGER_LIMITS.depth levels (deeper would overflow the stack when
 * hashed or diffed). `path` names the value in the reason (`triggers[1]`). `later` marks values a
 * program resolves before they are sent (Outputs, Promises): accepted here, not walked.
 */
export function jsonValueProblem(value: unknown, path: string, later: (value: unknown) => boolean = () => false): string | undefined {
  const walk = (value: unknown, path: string, depth: number): string | undefined => {
    if (depth > TRIGGER_LIMITS.depth) return `nested deeper than ${TRIGGER_LIMITS.depth} levels at ${path}`;
    if (value === null || typeof value === "string" || typeof value === "boolean" || later(value)) return undefined;
    if (typeof value === "number") return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON cannot hold`;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const problem = walk(value[i], `${path}[${i}]`, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    if (typeof value === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
      for (const [key, item] of Object.entries(value)) {
        const problem = walk(item, `${path}.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`, depth + 1);
        if (problem) return problem;
      }
      return undefined;
    }
    const what = typeof value === "object" ? `a ${value.constructor?.name ?? "class instance"}` : typeof value === "function" ? "a function" : typeof value;
    return `${path} is ${what}, not a JSON value`;
  };
  return walk(value, path, 0);
}

/**
 * Why `triggers` cannot be kept and hashed, or undefined: JSON values only (jsonValueProblem), at
 * most TRIGGER_LIMITS.jsonCharacters long as canonical JSON.
 */
export function triggersProblem(triggers: unknown[]): string | undefined {
  const problem = jsonValueProblem(triggers, "triggers");
  if (problem) return problem;
  const length = canonicalJson(triggers).length;
  return length > TRIGGER_LIMITS.jsonCharacters ? `at most ${TRIGGER_LIMITS.jsonCharacters} characters as JSON expected; got ${length}` : undefined;
}

function oneOf<T extends string>(
  raw: Record<string, unknown>,
  key: string,
  allowed: readonly T[],
  fallback: T | undefined,
  failures: CheckFailure[],
): T | undefined {
  const value = raw[key];
  if (value === undefined || value === null || value === "") return fallback;
  if (isUnknown(value)) return value as T;
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    const got = typeof value === "string" ? quoted(value) : describe(value);
    failures.push({ property: key, reason: `one of ${allowed.map((a) => `"${a}"`).join(", ")} expected; got ${got}` });
    return fallback;
  }
  return value as T;
}

/**
 * Validates raw inputs as the engine sends them and fills defaults. Returns one failure per bad
 * property, naming it and the rule broken. Makes no request.
 */
export function normaliseInputs(raw: Record<string, unknown>): {
  inputs: CancellationInputs;
  failures: CheckFailure[];
} {
  const failures: CheckFailure[] = [];
  const required = (key: "projectId" | "queryExecutionId"): string => {
    const value = raw[key];
    if (isUnknown(value)) return value as string;
    if (value === undefined || value === null || value === "") {
      failures.push({ property: key, reason: "required; the OCID of the " + (key === "projectId" ? "Query Service project" : "query execution") });
      return "";
    }
    const problem = idProblem(value);
    if (problem) failures.push({ property: key, reason: problem });
    return typeof value === "string" ? value : "";
  };

  const inputs: CancellationInputs = {
    projectId: required("projectId"),
    queryExecutionId: required("queryExecutionId"),
    triggers: DEFAULTS.triggers,
    waitForTerminalState: DEFAULTS.waitForTerminalState,
    waitTimeoutSeconds: DEFAULTS.waitTimeoutSeconds,
    onAlreadyTerminal: DEFAULTS.onAlreadyTerminal,
    onNotFound: DEFAULTS.onNotFound,
  };

  const ifMatch = optionalString(raw, "ifMatch", failures, etagProblem);
  if (ifMatch !== undefined) inputs.ifMatch = ifMatch;
  const retryToken = optionalString(raw, "retryToken", failures, retryTokenProblem);
  if (retryToken !== undefined) inputs.retryToken = retryToken;

  const triggers = raw.triggers;
  if (triggers === undefined || triggers === null) {
    inputs.triggers = [];
  } else if (isUnknown(triggers)) {
    inputs.triggers = triggers as unknown as unknown[];
  } else if (Array.isArray(triggers)) {
    const problem = triggersProblem(triggers);
    if (problem) failures.push({ property: "triggers", reason: problem });
    else inputs.triggers = triggers;
  } else {
    failures.push({ property: "triggers", reason: `an array expected; got ${describe(triggers)}` });
  }

  const wait = raw.waitForTerminalState;
  if (wait !== undefined && wait !== null) {
    if (typeof wait === "boolean" || isUnknown(wait)) inputs.waitForTerminalState = wait as boolean;
    else failures.push({ property: "waitForTerminalState", reason: `a boolean expected; got ${describe(wait)}` });
  }
  const timeout = raw.waitTimeoutSeconds;
  if (timeout !== undefined && timeout !== null) {
    if (isUnknown(timeout)) inputs.waitTimeoutSeconds = timeout as unknown as number;
    else if (typeof timeout !== "number" || !Number.isFinite(timeout) || timeout < 1 || timeout > MAX_WAIT_SECONDS) {
      failures.push({
        property: "waitTimeoutSeconds",
        reason: `a number of seconds from 1 to ${MAX_WAIT_SECONDS} expected; got ${typeof timeout === "number" ? timeout : describe(timeout)}`,
      });
    } else inputs.waitTimeoutSeconds = timeout;
  }
  inputs.onAlreadyTerminal = oneOf(raw, "onAlreadyTerminal", ["succeed", "fail"], DEFAULTS.onAlreadyTerminal, failures)!;
  inputs.onNotFound = oneOf(raw, "onNotFound", ["fail", "succeed"], DEFAULTS.onNotFound, failures)!;

  const endpoint = optionalString(raw, "endpoint", failures, endpointProblem, STRING_LIMITS.endpoint);
  if (endpoint !== undefined) inputs.endpoint = endpoint;
  for (const key of ["region", "configFile", "profile"] as const) {
    const value = optionalString(raw, key, failures, noControlCharacters, STRING_LIMITS[key]);
    if (value !== undefined) inputs[key] = value;
  }
  const authProblem = (v: string) => (authKindOf(v) ? undefined : `${AUTH_KIND_EXPECTED} expected; got ${quoted(v)}`);
  const auth = optionalString(raw, "auth", failures, authProblem, STRING_LIMITS.auth);
  // The OCI CLI's spellings are accepted and stored as our names, so a diff never sees two spellings.
  const kind = auth === undefined || isUnknown(auth) ? (auth as AuthKind | undefined) : authKindOf(auth);
  if (kind !== undefined) inputs.auth = kind;

  for (const key of Object.keys(raw)) {
    if (key !== "__provider" && !INPUT_KEYS.has(key) && !OUTPUT_ONLY.has(key)) {
      failures.push({ property: key, reason: "not an input of QueryExecutionCancellation" });
    }
  }
  return { inputs, failures };
}

// The resource registers its outputs as undefined inputs; tolerate them if an engine sends them.
const OUTPUT_ONLY: ReadonlySet<string> = new Set<string>(OUTPUT_ONLY_KEYS);
/** Every input of the resource: the ids, what replaces, and what updates in place. */
export const INPUT_KEYS: ReadonlySet<string> = new Set<string>(["projectId", "queryExecutionId", ...REPLACE_KEYS, ...UPDATE_KEYS]);

/** True when any value in the (possibly nested) input is the unknown sentinel. */
export function containsUnknown(value: unknown): boolean {
  if (isUnknown(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}
