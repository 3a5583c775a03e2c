// emulator/ answers one question: how do I rehearse against a Query Service offline, faults
// included? This file is its public surface: startEmulator, the manual clock, and types.

export { startEmulator } from "./server.js";
export type { Emulator, EmulatorStats, StartEmulatorOptions } from "./types.js";
export { manualClock, systemClock } from "./clock.js";
export type { Clock, ManualClock } from "./clock.js";
export { DEFAULT_PROJECT_ID } from "./store.js";
export type { AddExecutionOptions, EmulatorStore, ExecutionState, ExecutionView } from "./store.js";
export type { RecordedRequest } from "./request-log.js";
export type { ActiveFault, EmulatorFaults, FaultResponse, FaultSpec, MalformedKind, OperationName, RateLimitSpec } from "./faults.js";
export type { EmulatorCredentials, WriteCredentialsOptions } from "./credentials.js";
