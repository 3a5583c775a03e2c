// One table of the wire errors the emulator answers with: code -> status and a default message.
// Codes and statuses follow OCI's API error table (query-service-api.md §8.2); the body is the
// `DefaultError` shape `{"code","message"}` with code 1..255 and message 1..1024 characters.

import type { Answer } from "./answer.js";

export const WIRE_ERRORS = {
  InvalidParameter: { status: 400, message: "A parameter is invalid." },
  MissingParameter: { status: 400, message: "A required parameter is missing." },
  CannotParseRequest: { status: 400, message: "The request body could not be parsed." },
  NotAuthenticated: { status: 401, message: "The required information to complete authentication was not provided or was incorrect." },
  NotAuthorized: { status: 403, message: "Not authorized to perform this request." },
  NotAuthorizedOrNotFound: { status: 404, message: "Authorization failed or requested resource not found." },
  NotFound: { status: 404, message: "There is no operation at this path." },
  MethodNotAllowed: { status: 405, message: "This method is not allowed on this resource." },
  IncorrectState: { status: 409, message: "The resource is in a state that conflicts with this request; retry later." },
  Conflict: { status: 409, message: "The resource is in a state that conflicts with this request." },
  InvalidatedRetryToken: { status: 409, message: "The retry token was already used for a different request." },
  NoEtagMatch: { status: 412, message: "The if-match etag does not match the resource's current etag." },
  PayloadTooLarge: { status: 413, message: "The request body is too large." },
  TooManyRequests: { status: 429, message: "Too many requests for the tenancy." },
  InternalServerError: { status: 500, message: "An internal server error occurred." },
  MethodNotImplemented: { status: 501, message: "The operation is not implemented." },
  BadGateway: { status: 502, message: "Bad gateway." },
  ServiceUnavailable: { status: 503, message: "The service is unavailable." },
  GatewayTimeout: { status: 504, message: "Gateway timeout." },
} as const satisfies Record<string, { status: number; message: string }>;

export type WireErrorCode = keyof typeof WIRE_ERRORS;

/** The usual code of each status, for a fault that gives a status without a code. */
const USUAL_CODE: Readonly<Partial<Record<number, WireErrorCode>>> = {
  400: "InvalidParameter",
  401: "NotAuthenticated",
  403: "NotAuthorized",
  404: "NotAuthorizedOrNotFound",
  405: "MethodNotAllowed",
  409: "IncorrectState",
  412: "NoEtagMatch",
  413: "PayloadTooLarge",
  429: "TooManyRequests",
  500: "InternalServerError",
  501: "MethodNotImplemented",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

/** The usual code for a status, used when a fault gives a status without a code. */
export function defaultCodeForStatus(status: number): string {
  return USUAL_CODE[status] ?? (status >= 500 ? "InternalServerError" : status >= 400 ? "InvalidParameter" : "Unknown");
}

/** The answer for a wire error: the status the table gives its code, and the `DefaultError` body. */
export function wireErrorAnswer(code: WireErrorCode, message: string = WIRE_ERRORS[code].message, headers: Record<string, string> = {}): Answer {
  return { status: WIRE_ERRORS[code].status, headers, body: errorBody(code, message) };
}

/** An error answer: thrown by handlers, turned into a response by the server. */
export class WireError extends Error {
  override readonly name = "WireError";
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: WireErrorCode,
    message?: string,
    headers: Record<string, string> = {},
  ) {
    super(message ?? WIRE_ERRORS[code].message);
    this.status = WIRE_ERRORS[code].status;
    this.headers = headers;
  }
}

/** The body of an error answer, clipped to the documented lengths. */
export function errorBody(code: string, message: string): string {
  const c = (code || "Unknown").slice(0, 255);
  const m = (message || "An error occurred.").slice(0, 1024);
  return JSON.stringify({ code: c, message: m });
}
