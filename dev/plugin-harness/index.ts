// The plugin harness: the SDK's real dynamic-provider plugin, spawned and called over gRPC as the
// Pulumi engine calls it, with no engine. The one entry point; README.md says what it is faithful to.

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
  type LogEntry,
  type Plugin,
  type PluginCall,
  type PluginInfo,
  type ReadResult,
  type StartPluginOptions,
  type UpdateResult,
} from "./plugin.js";
export { groupAlive } from "./process-group.js";
export { UNKNOWN } from "./wire.js";
