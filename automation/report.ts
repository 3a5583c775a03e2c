// How a project's result is shown: one JSON line (`--json`), or a table for people.

import type { ProjectResult } from "./summary.js";

/** Exactly the documented fields, in a fixed order, on one line. */
export function jsonLine(r: ProjectResult): string {
  const { projectId, preview, matched, cancelled, kept, alreadyTerminal, failed } = r;
  return JSON.stringify({
    projectId,
    preview,
    matched,
    cancelled,
    kept,
    alreadyTerminal,
    failed: failed.map(({ queryExecutionId, error }) => ({ queryExecutionId, error })),
  });
}

/**
 *     Project ocid1.queryserviceproject.oc1.iad.aaaa (stack ocid1.queryserviceproject.oc1.iad.aaaa), preview
 *     matched 3: would cancel 2, kept 1, already terminal 0, failed 0
 *       QUERY EXECUTION                          RESULT
 *       ocid1.queryexecution.oc1.iad.bbbb        would cancel
 */
export function table(r: ProjectResult, stack: string): string {
  const cancelled = r.preview ? "would cancel" : "cancelled";
  const rows: Array<[string, string]> = [
    ...r.cancelled.map((id): [string, string] => [id, cancelled]),
    ...r.kept.map((id): [string, string] => [id, "kept (cancelled before)"]),
    ...r.alreadyTerminal.map((id): [string, string] => [id, "already terminal"]),
    ...r.failed.filter((f) => f.queryExecutionId !== null).map((f): [string, string] => [f.queryExecutionId!, `failed: ${f.error}`]),
  ];
  const lines = [`Project ${r.projectId} (stack ${stack})${r.preview ? ", preview" : ""}`, countsLine(r, cancelled, rows.length > 0)];
  if (rows.length > 0) {
    const width = Math.max("QUERY EXECUTION".length, ...rows.map(([id]) => id.length));
    lines.push(`  ${"QUERY EXECUTION".padEnd(width)}  RESULT`, ...rows.map(([id, what]) => `  ${id.padEnd(width)}  ${what}`));
  }
  for (const f of r.failed) if (f.queryExecutionId === null) lines.push(`error: ${f.error}`);
  return `${lines.join("\n")}\n`;
}

/**
 * The counts, or, when the run as a whole failed, a line that says so: "failed 0" right above
 * an error (and exit 1) would contradict it.
 */
function countsLine(r: ProjectResult, cancelled: string, reachedAny: boolean): string {
  const runFailed = r.failed.some((f) => f.queryExecutionId === null);
  const counts =
    `${cancelled} ${r.cancelled.length}, kept ${r.kept.length}, already terminal ${r.alreadyTerminal.length}, ` +
    `failed ${r.failed.filter((f) => f.queryExecutionId !== null).length}`;
  if (!runFailed) return `matched ${r.matched}: ${counts}`;
  if (reachedAny) return `matched ${r.matched}: ${counts}; then the run failed (error below)`;
  const matched = r.matched > 0 ? `matched ${r.matched}, ` : "";
  return `${matched}${r.preview ? "nothing previewed" : "nothing cancelled"}: the run failed (error below)`;
}
