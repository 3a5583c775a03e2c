// What the program's side of QueryExecutionCancellation checks before the SDK serializes the
// arguments: check (inputs.ts) only ever sees what serialization made of them.

import * as pulumi from "@pulumi/pulumi";
import { quoted } from "./client/validate.js";
import { jsonValueProblem } from "./inputs.js";
import { ocidProblem } from "./ocid.js";

/** Values the SDK resolves before it sends them: checked once resolved. */
const resolvedLater = (value: unknown): boolean => pulumi.Output.isInstance(value) || value instanceof Promise || pulumi.Resource.isInstance(value);

function containsResolvedLater(value: unknown): boolean {
  if (resolvedLater(value)) return true;
  return typeof value === "object" && value !== null && Object.values(value).some(containsResolvedLater);
}

/**
 * The program's `triggers`, refused at once when they hold a value JSON cannot: the SDK would send
 * a Date as {} and undefined as null, so a trigger meant to change on every run would be a
 * constant that never does, and check could not tell. Parts that are Outputs or Promises are
 * checked when they resolve (the registration then fails with the same message).
 */
export function checkedTriggers(resourceName: string, triggers: pulumi.Input<unknown[]> | undefined): pulumi.Input<unknown[]> | undefined {
  const guard = (value: unknown, path: string): unknown => {
    if (pulumi.Output.isInstance(value)) return value.apply((resolved) => guard(resolved, path));
    if (value instanceof Promise) return value.then((resolved) => guard(resolved, path));
    const problem = jsonValueProblem(value, path, resolvedLater);
    if (problem) {
      // A RunError: the SDK prints its message alone, without a stack, and the program fails.
      throw new pulumi.RunError(
        `QueryExecutionCancellation ${quoted(resourceName)}: ${problem}. triggers hold JSON values only (strings, finite numbers, ` +
          `booleans, null, arrays and plain objects); turn a Date into text with toISOString(), and leave out what is undefined.`,
      );
    }
    // Rebuilt only around the parts resolved later, so that each is checked when it resolves.
    if (!containsResolvedLater(value) || pulumi.Resource.isInstance(value)) return value;
    if (Array.isArray(value)) return value.map((item, i) => guard(item, `${path}[${i}]`));
    return Object.fromEntries(Object.entries(value as object).map(([key, item]) => [key, guard(item, `${path}.${key}`)]));
  };
  return triggers === undefined ? undefined : (guard(triggers, "triggers") as pulumi.Input<unknown[]>);
}

/**
 * Warns of a projectId or queryExecutionId that cannot be an OCID: preview passes such an id and
 * the service then answers 404. A warning, not a refusal: the API documents the project id as an
 * OCID but not the form of an execution id. Given as the stack's, naming the resource: a warning
 * on the resource would wait for its URN, which never comes when check refuses something else.
 */
export function warnOfNonOcids(resourceName: string, ids: Record<"projectId" | "queryExecutionId", pulumi.Input<string>>): void {
  for (const [key, id] of Object.entries(ids)) {
    const warn = (value: unknown) => {
      // An empty or non-string id is check's to refuse.
      const problem = typeof value === "string" && value !== "" ? ocidProblem(value, key) : undefined;
      if (problem) {
        void pulumi.log.warn(
          `QueryExecutionCancellation ${quoted(resourceName)}: ${problem}. The service knows its projects and executions by OCID, ` +
            "so it will most likely answer 404 NotFound: copy the id from the console or the oci CLI.",
        );
      }
    };
    if (pulumi.Output.isInstance(id)) id.apply(warn);
    else if (id instanceof Promise) void id.then(warn, () => undefined);
    else warn(id);
  }
}
