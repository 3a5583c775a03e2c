// Cleanup stacks: one QueryExecutionCancellation per execution that matches a filter, each named
// after its execution id, so repeated runs neither duplicate nor churn.

import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { QueryExecutionSummary } from "./client/types.js";
import type { ConnectionSettings } from "./connection-settings.js";
import { listQueryExecutions } from "./list.js";
import { QueryExecutionCancellation } from "./resource.js";

export interface CleanupFilter {
  /** States that count as "to cancel". Default: ["ACCEPTED", "IN_PROGRESS"]. */
  lifecycleStates?: string[];
  /** An exact name, or a RegExp tested against the execution's name. */
  name?: string | RegExp;
  /** Only executions created more than this many minutes ago. */
  olderThanMinutes?: number;
  /** Cancel at most this many new executions per run. Default: all matches. */
  maxResults?: number;
}

export interface QueryExecutionCleanupArgs extends ConnectionSettings {
  projectId: string;
  filter?: CleanupFilter;
  /** Passed to every cancellation. Default false. */
  waitForTerminalState?: boolean;
  waitTimeoutSeconds?: number;
}

/** What a cleanup run cancels (or keeps): the active matches plus the cancelled ones that still match. */
export interface CleanupPlan {
  /** Active executions that match: each gets a new cancellation. */
  toCancel: QueryExecutionSummary[];
  /** Executions that match but are already cancelling or cancelled: their resources are kept. */
  alreadyCancelled: QueryExecutionSummary[];
}

const ACTIVE_BY_DEFAULT = ["ACCEPTED", "IN_PROGRESS"];
const CANCELLED = ["CANCELING", "CANCELED"];

/**
 * Lists what a cleanup run should declare. Executions a previous run cancelled are now
 * CANCELING or CANCELED; they still match the name and age filters, so listing them too keeps
 * their resources in the program: the second run is a no-op instead of deleting them.
 */
export async function planCleanup(args: QueryExecutionCleanupArgs): Promise<CleanupPlan> {
  const { filter = {}, projectId, waitForTerminalState: _w, waitTimeoutSeconds: _t, ...connection } = args;
  // One pass over the project (name and age filtered as it pages), split by state here: fewer
  // requests than one list call per state.
  const all = await listQueryExecutions({ projectId, ...connection, name: filter.name, olderThanMinutes: filter.olderThanMinutes });
  return splitByState(all, filter);
}

/**
 * The plan from every execution that matched the name and age filters: those in a wanted state
 * (at most maxResults) to cancel, and the cancelling or cancelled ones to keep declaring.
 */
export function splitByState(all: QueryExecutionSummary[], filter: Pick<CleanupFilter, "lifecycleStates" | "maxResults">): CleanupPlan {
  const wanted = filter.lifecycleStates ?? ACTIVE_BY_DEFAULT;
  const toCancel = all.filter((e) => wanted.includes(e.lifecycleState)).slice(0, filter.maxResults ?? Infinity);
  const alreadyCancelled = all.filter((e) => CANCELLED.includes(e.lifecycleState) && !wanted.includes(e.lifecycleState));
  return { toCancel, alreadyCancelled };
}

/** A URN-safe resource name that is the same for the same execution on every run. */
export function cancellationName(prefix: string, queryExecutionId: string): string {
  if (/^[A-Za-z0-9._-]{1,100}$/.test(queryExecutionId)) return `${prefix}-${queryExecutionId}`;
  return `${prefix}-${createHash("sha256").update(queryExecutionId).digest("hex").slice(0, 16)}`;
}

/**
 * Declares one cancellation per execution that matches the filter. Create it with
 * `await QueryExecutionCleanup.create(name, args)`: finding the matches needs a (read-only) list
 * call first, which also runs on preview.
 */
export class QueryExecutionCleanup extends pulumi.ComponentResource {
  /** The ids of every execution this cleanup declares a cancellation for, sorted. */
  declare public readonly queryExecutionIds: pulumi.Output<string[]>;
  /** The cancellations, by execution id. */
  public readonly cancellations: Record<string, QueryExecutionCancellation>;

  static async create(name: string, args: QueryExecutionCleanupArgs, opts?: pulumi.ComponentResourceOptions): Promise<QueryExecutionCleanup> {
    return new QueryExecutionCleanup(name, args, await planCleanup(args), opts);
  }

  constructor(name: string, args: QueryExecutionCleanupArgs, plan: CleanupPlan, opts?: pulumi.ComponentResourceOptions) {
    super("oci-query-service:index:QueryExecutionCleanup", name, {}, opts);
    const { filter: _f, ...settings } = args;
    const ids = [...new Set([...plan.toCancel, ...plan.alreadyCancelled].map((e) => e.id))].sort();
    this.cancellations = {};
    for (const id of ids) {
      this.cancellations[id] = new QueryExecutionCancellation(cancellationName(name, id), { ...settings, queryExecutionId: id }, { parent: this });
    }
    this.queryExecutionIds = pulumi.output(ids);
    this.registerOutputs({ queryExecutionIds: ids });
  }
}
