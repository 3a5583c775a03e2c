// What an execution in an answer must be before anything is decided on it: a readable object,
// and about the execution (and project) that was asked for. Pure; the client turns a problem
// into a Malformed error.

import { SERVICE_TEXT_LIMITS, serviceText } from "./service-text.js";
import type { QueryExecution } from "./types.js";
import { quoted } from "./validate.js";

/** `value` as an execution, or why it cannot be one; `what` names it in the reason ("items[3]"). */
export function parseExecution(value: unknown, what: string): { execution: QueryExecution } | { problem: string } {
  const object = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (!object) return { problem: `${what} is not a JSON object` };
  for (const field of ["id", "lifecycleState"]) {
    const text = object[field];
    if (typeof text !== "string") return { problem: `${what} has no string ${field}` };
    // Both are kept in Pulumi state and shown in messages: a service cannot make them huge.
    if (text.length < 1 || text.length > SERVICE_TEXT_LIMITS.lifecycleState) {
      return { problem: `${what}.${field} is ${text.length} characters; 1..${SERVICE_TEXT_LIMITS.lifecycleState} expected` };
    }
  }
  const lifecycleState = serviceText(object.lifecycleState as string, SERVICE_TEXT_LIMITS.lifecycleState);
  return { execution: { ...object, lifecycleState } as QueryExecution };
}

/**
 * Why `execution` is not the one asked for, or undefined when it is: its id differs, or it
 * carries a projectId that differs. A cancel decided on another execution's state would record
 * this one as terminal (or cancelling) with nothing sent, and no later run would look again.
 */
export function foreignExecutionProblem(execution: QueryExecution, asked: { projectId: string; queryExecutionId: string }): string | undefined {
  if (execution.id !== asked.queryExecutionId) {
    return `the body is about execution ${shown(execution.id)}, not the ${quoted(asked.queryExecutionId, 120)} asked for`;
  }
  if (!isOfProject(execution, asked.projectId)) {
    return `the body is about project ${shown(execution.projectId)}, not the ${quoted(asked.projectId, 120)} asked for`;
  }
  return undefined;
}

/** False only when the execution names a project other than `projectId` (an absent one is taken as that project). */
export function isOfProject(execution: QueryExecution, projectId: string): boolean {
  return !("projectId" in execution) || execution.projectId === projectId;
}

/** A service's value as a message shows it: bounded, redacted, quoted. */
function shown(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return quoted(serviceText(text, SERVICE_TEXT_LIMITS.lifecycleState), 120);
}
