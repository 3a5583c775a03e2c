// How the client's structured log lines read as text, for a person watching a run.

import type { ClientLogLine } from "./types.js";

/** `GetQueryExecution attempt 2 of 8 failed: 503 ServiceUnavailable (busy); trying again in 1.6 s.` */
export function describeRetry(line: Extract<ClientLogLine, { event: "retry" }>): string {
  const detail = line.detail ? ` (${line.detail})` : "";
  const wait = `${(line.delayMs / 1000).toFixed(1)} s`;
  return `${line.operation} attempt ${line.attempt} of ${line.maxAttempts} failed: ${line.reason}${detail}; trying again in ${wait}.`;
}
