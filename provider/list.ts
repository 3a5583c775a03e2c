// Finding the executions a cleanup stack should cancel. Runs in the Pulumi program (not in the
// provider), reads the same stack config and environment as the provider, and sends only GETs.

import * as pulumi from "@pulumi/pulumi";
import { describeRetry } from "./client/log.js";
import { QueryServiceClient } from "./client/query-service-client.js";
import { InvalidArgumentError } from "./client/errors.js";
import type { ListQueryExecutionsFilters, QueryExecutionSummary, SortOrder } from "./client/types.js";
import { readStackConfig, resolveConnection, type StackConfig } from "./connection.js";
import type { ConnectionSettings } from "./connection-settings.js";

export interface ListQueryExecutionsArgs extends ConnectionSettings {
  projectId: string;
  /** Only executions in one of these states. Default: every state. */
  lifecycleStates?: string[];
  /** Only executions whose name matches: a RegExp, or a string for an exact name (filtered by the service). */
  name?: string | RegExp;
  /** Only executions created more than this many minutes ago (by `timeCreated`). */
  olderThanMinutes?: number;
  /** Stop after this many matches. Default: all. */
  maxResults?: number;
  /** Default "DESC" (newest first) by timeCreated. */
  sortOrder?: SortOrder;
}

function stackConfig(): StackConfig {
  return readStackConfig((key) => {
    const [namespace, name] = key.split(":") as [string, string];
    return new pulumi.Config(namespace).get(name);
  });
}

/**
 * Lists the query executions of a project that match every given filter, across all pages.
 * Validates the filters before any request. `stack` is the stack config in a program; the provider
 * plugin passes its own configuration instead.
 */
export async function listQueryExecutions(args: ListQueryExecutionsArgs, stack: StackConfig = stackConfig()): Promise<QueryExecutionSummary[]> {
  if (args.maxResults !== undefined && (!Number.isInteger(args.maxResults) || args.maxResults < 1)) {
    throw new InvalidArgumentError("maxResults", `a whole number of at least 1 expected; got ${args.maxResults}`);
  }
  if (args.olderThanMinutes !== undefined && !(Number.isFinite(args.olderThanMinutes) && args.olderThanMinutes >= 0)) {
    throw new InvalidArgumentError("olderThanMinutes", `a number of minutes of at least 0 expected; got ${args.olderThanMinutes}`);
  }
  const client = new QueryServiceClient({
    ...resolveConnection(args, stack, process.env),
    logger: (line) => {
      if (line.event === "retry") void pulumi.log.info(describeRetry(line));
    },
  });
  try {
    return await selectExecutions((filters) => client.listQueryExecutions(args.projectId, filters), args, Date.now());
  } finally {
    client.close();
  }
}

/** The filters listQueryExecutions applies: the service filters by state and exact name, the rest here. */
export type SelectionFilters = Pick<ListQueryExecutionsArgs, "lifecycleStates" | "name" | "olderThanMinutes" | "maxResults" | "sortOrder">;

/**
 * The executions `list` yields that match every filter: one listing per wanted state (the service
 * filters by state and exact name), a RegExp name and the age tested here, each execution once,
 * stopping at maxResults. Pure but for `list`; `nowMs` is the time `olderThanMinutes` counts from.
 */
export async function selectExecutions(
  list: (filters: ListQueryExecutionsFilters) => AsyncIterable<QueryExecutionSummary>,
  args: SelectionFilters,
  nowMs: number,
): Promise<QueryExecutionSummary[]> {
  const cutoff = args.olderThanMinutes === undefined ? undefined : nowMs - args.olderThanMinutes * 60_000;
  const exactName = typeof args.name === "string" ? args.name : undefined;
  const pattern = args.name instanceof RegExp ? args.name : undefined;
  const states = args.lifecycleStates && args.lifecycleStates.length > 0 ? args.lifecycleStates : [undefined];
  const found: QueryExecutionSummary[] = [];
  const seen = new Set<string>();
  for (const lifecycleState of states) {
    const filters = { sortOrder: args.sortOrder ?? "DESC", ...(lifecycleState ? { lifecycleState } : {}), ...(exactName ? { name: exactName } : {}) };
    for await (const item of list(filters)) {
      if (seen.has(item.id)) continue;
      if (pattern && !pattern.test(item.name ?? "")) continue;
      if (cutoff !== undefined) {
        const created = Date.parse(item.timeCreated ?? "");
        if (!Number.isFinite(created) || created > cutoff) continue;
      }
      seen.add(item.id);
      found.push(item);
      if (args.maxResults !== undefined && found.length >= args.maxResults) return found;
    }
  }
  return found;
}
