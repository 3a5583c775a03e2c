// The engine's words when the backend itself failed (an object store down, unreachable or
// refusing), turned into one line a user can act on. Without this the run reports the same raw
// S3 error once per cancellation in flight, as if each had failed.

/** The engine's and the cloud SDKs' words for a backend it could not read or write. */
const BACKEND_FAILURE =
  /failed to save snapshot|An IO error occurred while writing|operation error S3:|dial tcp [^:]+:\d+|connection refused|no such host|request send failed/;
// The most telling part of the SDK's error: the network reason, else the S3 operation and status.
const REASON = /dial tcp [^ ]+: [a-z: ]*[a-z]|no such host|operation error S3: \w+[^,]*, https response error StatusCode: \d+/;

/** Bounded: what a service sends is never kept or printed whole. */
const MAX_REASON = 200;

/** What a cancellation whose step the backend failure cut short reports instead of the raw error. */
export const NOT_RECORDED = "not recorded: the backend could not be written (see the project's run error); the next run records it";

export function isBackendFailure(message: string): boolean {
  return BACKEND_FAILURE.test(message);
}

/**
 * The line to report for `message`, or undefined when it is not a backend failure. `shown` is the
 * backend URL without credentials.
 */
export function describeBackendFailure(message: string, shown: string): string | undefined {
  if (!BACKEND_FAILURE.test(message)) return undefined;
  const reason = (REASON.exec(message)?.[0] ?? message.split("\n").find((l) => BACKEND_FAILURE.test(l)) ?? "").slice(0, MAX_REASON);
  return (
    `the backend ${shown} could not be read or written (${reason.trim()}): this run stopped, and the cancellations it sent ` +
    "may not all be recorded. Check that the object store is up and reachable from this machine, then run again: " +
    "the next run records them without sending them again (each looks at its execution first)."
  );
}
