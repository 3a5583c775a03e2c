// Test infrastructure that drives the real Pulumi SDK parts as the engine does. Not a replacement for Pulumi.

// Plugin level: the SDK's dynamic-provider plugin over gRPC.
export {
  PluginError,
  serializeProvider,
  startPlugin,
  type CheckFailure,
  type CheckResult,
  type ConfigureResult,
  type CreateResult,
  type DiffChanges,
  type DiffResult,
  type InitFailure,
  type Plugin,
  type PluginCall,
  type PluginInfo,
  type ReadResult,
  type StartPluginOptions,
  type UpdateResult,
} from "./plugin.js";

// Program level: whole programs through the SDK's language runtime, with recorded state.
export { createStack, type CreateStackOptions, type OperationKind, type RunResult, type Stack } from "./program.js";
export type { RunError, StepOp, StepRecord } from "./deployment.js";
export type { StateFile, StateResource } from "./state.js";
export type { LogEntry, LogSeverity } from "./grpc-server.js";

// Helpers for assertions.
export { groupAlive } from "./process-group.js";
export { ARCHIVE_SIG, ASSET_SIG, RESOURCE_REF_SIG, SECRET_SIG, SIG_KEY, UNKNOWN } from "./wire.js";
