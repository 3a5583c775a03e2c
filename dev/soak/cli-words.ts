// The CLI's words the engine soak answers (Pulumi 3.276), and how it reads a command's output: the
// lock, the pending operations, the checkpoint a kill cut, the last error lines, and what a
// recorded cancellation must hold to need nothing more.

/** The CLI's words this soak answers (Pulumi 3.276). */
export const LOCKED =
  /error: the stack is currently locked by \d+ lock\(s\)\. Either wait for the other process\(es\) to end or delete the lock file with `pulumi cancel`\./;
export const PENDING = /warning: Attempting to deploy or update resources with \d+ pending operations from previous deployment\./;
const PENDING_END = "to clear pending CREATE operations.";
export const BROKEN_CHECKPOINT = /error: failed to load checkpoint: EOF/;

/** A recorded cancellation that needs nothing more: cancel requested, or found already CANCELED by a re-run. */
export function settled(outputs: Record<string, unknown> | undefined): boolean {
  return outputs?.outcome === "CANCEL_REQUESTED" || (outputs?.outcome === "ALREADY_TERMINAL" && outputs.lifecycleState === "CANCELED");
}

/** The pending-operations warning as the Diagnostics section states it, one line per line. */
export function pendingWarning(output: string): string {
  const end = output.lastIndexOf(PENDING_END);
  const start = output.lastIndexOf("warning: Attempting to deploy", end);
  if (end < 0 || start < 0) return PENDING.exec(output)![0];
  return output
    .slice(start, end + PENDING_END.length)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n");
}

/** The last three lines that mention an error, or the end of the output when none does. */
export function lastErrorLines(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /error/i.test(l));
  return lines.slice(-3).join(" | ") || output.trim().slice(-300);
}
