// What the client makes of an answer it received: the request id it keeps, and the errors for an
// answer that cannot be the Query Service's (malformed, another execution's, endless pages, a 2xx
// other than the documented one). Pure: no I/O.

import type { IncomingHttpHeaders } from "node:http";
import { headerValue, toError, type CallContext, type Failure } from "./failure.js";
import type { QueryServiceError } from "./errors.js";
import { parseExecution } from "./read-execution.js";
import { SERVICE_TEXT_LIMITS, serviceText } from "./service-text.js";
import type { QueryExecution } from "./types.js";

/** A 2xx answer as the client received it, with what its errors must name. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  opcRequestId: string;
  ctx: CallContext;
}

export function readExecution(answer: Answer, value: unknown, what: string): QueryExecution {
  const read = parseExecution(value, what);
  if ("problem" in read) throw malformed(answer, read.problem);
  return read.execution;
}

/** The answer's opc-request-id, bounded and redacted: it goes into errors, logs and state. */
export function requestIdOf(headers: IncomingHttpHeaders): string {
  return serviceText(headerValue(headers, "opc-request-id") ?? "", SERVICE_TEXT_LIMITS.opcRequestId);
}

export function malformed(answer: Answer, message: string, nextStep?: string): QueryServiceError {
  return toError(answer.ctx, {
    status: answer.status,
    code: "MalformedResponse",
    serviceMessage: message,
    opcRequestId: answer.opcRequestId,
    kind: "Malformed",
    nextStep,
  });
}

/** The listing reached maxListPages and the service still sends opc-next-page. */
export function tooManyPages(answer: Answer, maxPages: number): QueryServiceError {
  return toError(answer.ctx, {
    status: answer.status,
    code: "TooManyPages",
    serviceMessage: `the listing read ${maxPages} pages (maxListPages) and the service still sends opc-next-page; stopped there`,
    opcRequestId: answer.opcRequestId,
    kind: "Malformed",
    nextStep:
      `Most likely endpoint is not the Query Service (it never stops paging): check it. If the project really holds that many executions, ` +
      `narrow the listing (lifecycleState, name), or raise limit (up to 1000 a page) or maxListPages.`,
  });
}

export const FOREIGN_ANSWER_STEP =
  "The answer is about another execution, so nothing was decided on it: check that endpoint points at the Query Service itself, not at a cache or proxy that mixes up answers, then run again.";

/**
 * A 2xx other than the documented one (say a proxy's 200 text/html page): not the service's
 * answer, so not a success. For a cancel this means nothing is recorded and the next run looks at
 * the execution again before it sends anything (with the same retry token, so at most once).
 */
export function unexpectedSuccess(
  call: { operation: string; method: string; success: number },
  status: number,
  headers: IncomingHttpHeaders,
  opcRequestId: string,
): Failure {
  const type = headerValue(headers, "content-type");
  return {
    status,
    code: "UnexpectedStatus",
    serviceMessage: `${call.operation} answers ${call.success}; got ${status}${type ? ` with ${serviceText(type, 100)}` : ""}`,
    opcRequestId,
    kind: "Malformed",
    nextStep:
      call.method === "POST"
        ? "The answer is not the Query Service's: check that endpoint points at the Query Service and not at a proxy or login page. The cancel was not recorded; the next run looks at the execution again before sending anything."
        : undefined,
  };
}
