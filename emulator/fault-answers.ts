// The answers faults put in place of the real one: a response the fault names, or a success whose
// body is broken on purpose.

import type { Answer } from "./answer.js";
import { defaultCodeForStatus, errorBody, WIRE_ERRORS } from "./errors.js";
import type { FaultSpec, MalformedKind } from "./faults.js";

/** The answer a fault's `respond` asks for, its body from the wire-error table unless given. */
export function faultAnswer(fault: FaultSpec): Answer {
  const r = fault.respond!;
  const code = r.code ?? defaultCodeForStatus(r.status);
  const known = (WIRE_ERRORS as Record<string, { message: string } | undefined>)[code];
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (r.retryAfter !== undefined) headers["retry-after"] = r.retryAfter;
  if (r.status < 400) return { status: r.status, headers };
  // The status is the fault's, whatever the table pairs the code with: faults may mismatch them.
  return { status: r.status, headers, body: errorBody(code, r.message ?? known?.message ?? "Injected fault.") };
}

/** A broken body for a success answer; the status and headers stay. */
export function malformedAnswer(answer: Answer, kind: MalformedKind): Answer & { contentType?: string } {
  switch (kind) {
    case "truncated-json": {
      const text = answer.body ?? '{"lifecycleState":"CANCELING","id":"';
      return { ...answer, body: text.slice(0, Math.max(1, Math.floor(text.length / 2))) };
    }
    case "html":
      return { ...answer, body: "<html><head><title>Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>", contentType: "text/html" };
    case "empty-body":
      return { ...answer, body: "" };
    case "wrong-shape":
      return { ...answer, body: JSON.stringify(["not", "the", "expected", "shape"]) };
  }
}
