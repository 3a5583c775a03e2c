// The Query Service operations, one handler each, named after the API's operations. Handlers
// read and change the store and return an answer, or throw a WireError; authentication, faults,
// retry-token memory and the request log are the server's business, not theirs.

import type { IncomingHttpHeaders } from "node:http";
import type { Answer } from "./answer.js";
import { WireError } from "./errors.js";
import type { OperationName } from "./faults.js";
import { isTerminal, KNOWN_STATES, type ExecutionRecord, type Store } from "./store.js";

export const API_VERSION = "20210831";

export interface OperationRequest {
  projectId: string;
  queryExecutionId?: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type Handler = (req: OperationRequest, store: Store) => Answer;

export type RouteMatch =
  | { kind: "operation"; operation: OperationName; projectId: string; queryExecutionId?: string }
  | { kind: "not-found" }
  | { kind: "method-not-allowed"; allow: string[] };

/**
 * Matches a request path (percent-encoded, no query) and method to an operation. Path segments
 * are decoded; an empty or undecodable segment matches nothing.
 */
export function matchRoute(method: string, rawPath: string): RouteMatch {
  const raw = rawPath.split("/");
  if (raw[0] !== "" || raw[1] !== API_VERSION || raw[2] !== "projects" || raw[4] !== "queryExecutions") return { kind: "not-found" };
  let seg: string[];
  try {
    seg = raw.map((s) => decodeURIComponent(s));
  } catch {
    return { kind: "not-found" };
  }
  const projectId = seg[3];
  if (!projectId) return { kind: "not-found" };
  const byMethod = (table: Record<string, OperationName>, queryExecutionId?: string): RouteMatch => {
    const operation = table[method.toUpperCase()];
    if (!operation) return { kind: "method-not-allowed", allow: Object.keys(table) };
    return queryExecutionId === undefined ? { kind: "operation", operation, projectId } : { kind: "operation", operation, projectId, queryExecutionId };
  };
  if (seg.length === 5) return byMethod({ GET: "ListQueryExecutions", POST: "CreateQueryExecution" });
  const id = seg[5];
  if (!id) return { kind: "not-found" };
  if (seg.length === 6) return byMethod({ GET: "GetQueryExecution", PUT: "UpdateQueryExecution" }, id);
  if (seg.length === 8 && seg[6] === "actions") {
    if (seg[7] === "cancel") return byMethod({ POST: "CancelQueryExecution" }, id);
    if (seg[7] === "clearResults") return byMethod({ POST: "ClearQueryExecutionResults" }, id);
  }
  return { kind: "not-found" };
}

// ---- shared checks -------------------------------------------------------------------------

function json(status: number, body: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers, body: JSON.stringify(body) };
}

function checkPathIds(req: OperationRequest): void {
  if (req.projectId.length > 255) throw new WireError("InvalidParameter", "projectId must be 1..255 characters.");
  if (req.queryExecutionId !== undefined && req.queryExecutionId.length > 255) {
    throw new WireError("InvalidParameter", "queryExecutionId must be 1..255 characters.");
  }
}

function findExecution(req: OperationRequest, store: Store): ExecutionRecord {
  checkPathIds(req);
  const rec = store.record(req.projectId, req.queryExecutionId!);
  if (!rec) {
    throw new WireError(
      "NotAuthorizedOrNotFound",
      `Query execution ${req.queryExecutionId} was not found in project ${req.projectId}, or you are not authorized to see it.`,
    );
  }
  return rec;
}

function checkIfMatch(req: OperationRequest, store: Store, rec: ExecutionRecord): void {
  const ifMatch = req.headers["if-match"];
  if (ifMatch !== undefined && ifMatch !== store.etag(rec)) {
    throw new WireError("NoEtagMatch", `The if-match etag ${JSON.stringify(ifMatch)} does not match the current etag of query execution ${rec.id}.`);
  }
}

function parseJsonBody(req: OperationRequest): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString("utf8"));
  } catch {
    throw new WireError("CannotParseRequest", "The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new WireError("CannotParseRequest", "The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

function checkName(name: unknown): string {
  // UpdateQueryExecutionDetails.name is an `x-obmcs-ascii-identifier`: printable ASCII here.
  if (typeof name !== "string" || name.length < 1 || name.length > 255 || !/^[\x20-\x7e]+$/.test(name)) {
    throw new WireError("InvalidParameter", "name must be 1..255 printable ASCII characters.");
  }
  return name;
}

// ---- ListQueryExecutions --------------------------------------------------------------------

type SortKey = [string | number, ...(string | number)[]];

function sortKey(rec: ExecutionRecord, sortBy: string): SortKey {
  return sortBy === "displayName" ? [rec.name, rec.timeCreated, rec.id] : [rec.timeCreated, rec.id];
}

function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

interface PageToken {
  sortBy: string;
  sortOrder: string;
  after: SortKey;
}

function encodePage(t: PageToken): string {
  return Buffer.from(JSON.stringify([t.sortBy, t.sortOrder, t.after])).toString("base64url");
}

function decodePage(page: string, sortBy: string, sortOrder: string): PageToken {
  try {
    const [s, o, after] = JSON.parse(Buffer.from(page, "base64url").toString("utf8")) as [unknown, unknown, unknown];
    if (s === sortBy && o === sortOrder && Array.isArray(after) && after.length >= 2) {
      return { sortBy, sortOrder, after: after as SortKey };
    }
  } catch {
    // fall through
  }
  throw new WireError("InvalidParameter", "page is not a page token of this listing (it must come from opc-next-page, with the same sortBy and sortOrder).");
}

/**
 * Keyset pagination: a page token holds the sort key of the last item given, so executions that
 * change state or are purged between pages never make the next page skip or repeat items.
 */
export const ListQueryExecutions: Handler = (req, store) => {
  checkPathIds(req);
  const q = req.query;
  const limitText = q.get("limit") ?? "100";
  if (!/^\d{1,4}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 1000) {
    throw new WireError("InvalidParameter", `limit must be an integer 1..1000; got ${JSON.stringify(limitText.slice(0, 50))}.`);
  }
  const limit = Number(limitText);
  const sortBy = q.get("sortBy") ?? "timeCreated";
  if (sortBy !== "timeCreated" && sortBy !== "displayName") {
    throw new WireError("InvalidParameter", `sortBy must be timeCreated or displayName; got ${JSON.stringify(sortBy.slice(0, 50))}.`);
  }
  const sortOrder = q.get("sortOrder") ?? "ASC";
  if (sortOrder !== "ASC" && sortOrder !== "DESC") {
    throw new WireError("InvalidParameter", `sortOrder must be ASC or DESC; got ${JSON.stringify(sortOrder.slice(0, 50))}.`);
  }
  const state = q.get("lifecycleState");
  if (state !== null && !(KNOWN_STATES as readonly string[]).includes(state)) {
    throw new WireError("InvalidParameter", `lifecycleState must be one of ${KNOWN_STATES.join(", ")}; got ${JSON.stringify(state.slice(0, 50))}.`);
  }
  const name = q.get("name");
  if (name !== null && (name.length < 1 || name.length > 255)) {
    throw new WireError("InvalidParameter", "name must be 1..255 characters.");
  }
  const pageText = q.get("page");
  if (pageText !== null && pageText.length < 1) throw new WireError("InvalidParameter", "page must not be empty.");
  const page = pageText === null ? undefined : decodePage(pageText, sortBy, sortOrder);

  const direction = sortOrder === "ASC" ? 1 : -1;
  const ordered = store
    .records(req.projectId)
    .filter((r) => (state === null || r.state === state) && (name === null || r.name === name))
    .map((r) => ({ r, key: sortKey(r, sortBy) }))
    .sort((a, b) => direction * compareKeys(a.key, b.key));
  const rest = page ? ordered.filter((x) => direction * compareKeys(x.key, page.after) > 0) : ordered;
  const items = rest.slice(0, limit);
  const headers: Record<string, string> = {};
  if (rest.length > limit) {
    headers["opc-next-page"] = encodePage({ sortBy, sortOrder, after: items[items.length - 1]!.key });
  }
  return json(200, { items: items.map(({ r }) => summary(store, r)) }, headers);
};

function summary(store: Store, rec: ExecutionRecord): Record<string, unknown> {
  const { sqlText: _omitted, ...rest } = store.body(rec);
  return rest;
}

// ---- the other operations -------------------------------------------------------------------

export const GetQueryExecution: Handler = (req, store) => {
  const rec = findExecution(req, store);
  return json(200, store.body(rec), { etag: store.etag(rec) });
};

export const CreateQueryExecution: Handler = (req, store) => {
  checkPathIds(req);
  const body = parseJsonBody(req);
  if (body["sqlText"] === undefined) throw new WireError("MissingParameter", "sqlText is required.");
  if (typeof body["sqlText"] !== "string" || body["sqlText"].trim() === "") {
    throw new WireError("InvalidParameter", "sqlText must be a non-empty string.");
  }
  const name = body["name"] === undefined ? undefined : checkName(body["name"]);
  const rec = store.create(req.projectId, body["sqlText"], name);
  return json(200, store.body(rec), { etag: store.etag(rec) });
};

export const UpdateQueryExecution: Handler = (req, store) => {
  const rec = findExecution(req, store);
  checkIfMatch(req, store, rec);
  const body = parseJsonBody(req);
  if (body["name"] === undefined) throw new WireError("MissingParameter", "name is required.");
  rec.name = checkName(body["name"]);
  store.touch(rec, store.now());
  return json(200, store.body(rec), { etag: store.etag(rec) });
};

/**
 * ACCEPTED/IN_PROGRESS (or any unknown active state) -> CANCELING now, CANCELED after the cancel
 * delay. Already CANCELING: 202 again, counted as an effective cancel. Terminal: 409 Conflict;
 * the real answer is undocumented, and Conflict says "not temporary, do not retry".
 */
export const CancelQueryExecution: Handler = (req, store) => {
  const rec = findExecution(req, store);
  checkIfMatch(req, store, rec);
  if (isTerminal(rec.state)) {
    throw new WireError("Conflict", `Query execution ${rec.id} is already ${rec.state} and cannot be canceled.`);
  }
  if (rec.state !== "CANCELING") store.changeState(rec, "CANCELING", store.now());
  store.countCancel(rec.id);
  return { status: 202, headers: {} };
};

/** Allowed once the execution is terminal; before that 409 IncorrectState (retry later). */
export const ClearQueryExecutionResults: Handler = (req, store) => {
  const rec = findExecution(req, store);
  checkIfMatch(req, store, rec);
  if (!isTerminal(rec.state)) {
    throw new WireError("IncorrectState", `Query execution ${rec.id} is ${rec.state}; results can be cleared once it is terminal.`);
  }
  rec.resultsCleared = true;
  return { status: 202, headers: {} };
};

export const HANDLERS: Record<OperationName, Handler> = {
  ListQueryExecutions,
  GetQueryExecution,
  CreateQueryExecution,
  UpdateQueryExecution,
  CancelQueryExecution,
  ClearQueryExecutionResults,
};

/** Operations whose opc-retry-token is honoured (the mutating ones; on GETs it is moot). */
export const RETRYABLE_WRITES: readonly OperationName[] = [
  "CreateQueryExecution",
  "UpdateQueryExecution",
  "CancelQueryExecution",
  "ClearQueryExecutionResults",
];
