// provider/ answers one question: how does a Pulumi program cancel a Query Service query
// execution exactly once? This file lists the package's public names; everything else is internal.

// The resource
export { QueryExecutionCancellation, type QueryExecutionCancellationArgs } from "./resource.js";
export { cancellationProvider } from "./provider.js";
export type { CancelOutcome } from "./cancel.js";
export type { CancellationOutputs } from "./outputs.js";

// Finding executions, and cleanup stacks
export { listQueryExecutions, type ListQueryExecutionsArgs } from "./list.js";
export { QueryExecutionCleanup, planCleanup, type QueryExecutionCleanupArgs, type CleanupFilter, type CleanupPlan } from "./cleanup.js";

// The Query Service client
export { QueryServiceClient } from "./client/query-service-client.js";
export { QueryServiceError, ConfigurationError, InvalidArgumentError, type QueryServiceErrorKind } from "./client/errors.js";
export type { AuthKind, LifecycleState, QueryExecution, QueryExecutionSummary, QueryServiceClientOptions, ListQueryExecutionsFilters } from "./client/types.js";
