// The public shapes of the JS API: what startEmulator takes, and the running emulator it gives.

import type { Clock } from "./clock.js";
import type { EmulatorCredentials, WriteCredentialsOptions } from "./credentials.js";
import type { EmulatorFaults } from "./faults.js";
import type { RecordedRequest } from "./request-log.js";
import type { EmulatorStore } from "./store.js";

export interface StartEmulatorOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1/localhost (its PEM is `emu.ca`). @default false */
  https?: boolean;
  /** More DNS names the certificate covers, for a client that reaches the emulator under another name (through a proxy). */
  certificateHostNames?: string[];
  /** Drives lifecycle steps, etags, signature dates, the retry-token memory and the rate limit. @default the wall clock */
  clock?: Clock;
  /** CANCELING -> CANCELED after this long. @default 2000 */
  cancelDelayMs?: number;
  /** Durations for executions made by CreateQueryExecution; `Infinity` = never moves on. */
  lifecycle?: {
    /** ACCEPTED -> IN_PROGRESS. @default 1000 */
    acceptedMs?: number;
    /** IN_PROGRESS -> SUCCEEDED. @default 30000 */
    runningMs?: number;
  };
  /** Signature verification. "off" accepts unsigned requests (quick manual use only). @default "on" */
  auth?: "on" | "off";
  /** How far a signed date may be from the emulator clock. @default 300000 (OCI's 5 minutes) */
  maxClockSkewMs?: number;
  /** One line per request (method, path, status, operation, opc-request-id); never credentials. */
  log?: (line: string) => void;
  /**
   * How many requests `requests()` and `GET /_emulator/requests` keep, the oldest forgotten
   * first; bodies are kept up to 4096 characters. `stats()` counts every request regardless.
   * `Infinity` keeps all (a long soak that reads the whole log). @default 10000
   */
  requestLogSize?: number;
}

export interface EmulatorStats {
  requests: number;
  byOperation: Record<string, number>;
  byStatus: Record<string, number>;
  /** Answers replayed from the retry-token memory. */
  replays: number;
  /** Requests a fault or the rate limit acted on. */
  faulted: number;
  /** Connections dropped by faults. */
  droppedConnections: number;
  executions: number;
  effectiveCancels: number;
  /** Retry tokens remembered and not yet expired. */
  retryTokens: number;
  activeFaults: number;
}

/** A running emulator. */
export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** PEM of the self-signed certificate when `https` is on. */
  readonly ca?: string;
  readonly clock: Clock;
  /** The project used when none is given. */
  readonly defaultProjectId: string;
  readonly store: EmulatorStore;
  readonly faults: EmulatorFaults;
  /** The last `requestLogSize` requests (admin routes excluded), oldest first, optionally of one operation. */
  requests(operation?: string): RecordedRequest[];
  /** Cancel requests actually applied to this execution (202, not a retry-token replay). */
  effectiveCancels(queryExecutionId: string): number;
  stats(): EmulatorStats;
  /** Accepts signatures of this keyId (`tenancy/user/fingerprint`, or `ST$<token>`) made with this key. */
  registerKey(keyId: string, publicKeyPem: string): void;
  /**
   * Generates a key pair, registers it, and writes key.pem and an OCI config file in `dir`
   * (default: a temp dir removed on close).
   */
  writeCredentials(dir?: string, options?: WriteCredentialsOptions): Promise<EmulatorCredentials>;
  /** Forgets executions, retry tokens, the request log, cancel counts and faults; keeps registered keys. */
  reset(): void;
  /** Stops listening and ends every socket. */
  close(): Promise<void>;
}
