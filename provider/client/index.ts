// The Query Service client and everything a caller of it needs.

export { QueryServiceClient } from "./query-service-client.js";
export { ConfigurationError, InvalidArgumentError, QueryServiceError, describeFailure } from "./errors.js";
export type { QueryServiceErrorDetails, QueryServiceErrorKind } from "./errors.js";
export { DEFAULT_ENDPOINT_TEMPLATE, isLoopbackHost, resolveEndpoint } from "./endpoint.js";
export { DEFAULT_RETRY_POLICY, nextDelayMs, parseRetryAfter, resolveRetryPolicy } from "./retry.js";
export { meaningOf } from "./error-table.js";
export { resolveConfigFile, resolveProfile } from "./auth.js";
export { validateEtag, validateId, validateListFilters, validateRetryToken } from "./validate.js";
export * from "./types.js";
