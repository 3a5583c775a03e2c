// The resource users declare. Creating it cancels one query execution, exactly once.

import * as pulumi from "@pulumi/pulumi";
import type { ConnectionSettings } from "./connection-settings.js";
import type { CancelOutcome } from "./cancel.js";
import { DEFAULTS, OUTPUT_ONLY_KEYS, type OnAlreadyTerminal, type OnNotFound } from "./schema.js";
import { PROVIDER_MODULE } from "./provider.js";
import { checkedTriggers, warnOfNonOcids } from "./resource-args.js";

/** Each connection setting (connection-settings.ts, documented there) as a Pulumi input. */
type ConnectionInputs = { [K in keyof ConnectionSettings]?: pulumi.Input<NonNullable<ConnectionSettings[K]>> };

export interface QueryExecutionCancellationArgs extends ConnectionInputs {
  /** OCID of the Query Service project (1..255 characters). A change means a new cancellation. */
  projectId: pulumi.Input<string>;
  /** Id of the query execution to cancel (1..255 characters). A change means a new cancellation. */
  queryExecutionId: pulumi.Input<string>;
  /**
   * Pins the cancel to this etag (sent as `if-match`). Default: the etag just read. When pinned
   * and the execution has changed since, the cancel fails with a clear message instead.
   */
  ifMatch?: pulumi.Input<string>;
  /**
   * The `opc-retry-token` to send (1..64 of `A-Z a-z 0-9 . _ -`). Default: derived from the
   * project, execution, etag and triggers (see README), which is what makes re-runs safe.
   */
  retryToken?: pulumi.Input<string>;
  /**
   * Any JSON values; changing them asks for a new cancellation (with a new retry token). A value
   * JSON cannot hold (a Date, undefined, NaN, a function…) makes the constructor throw, naming it.
   */
  triggers?: pulumi.Input<unknown[]>;
  /** Default false. When true, create polls until the execution is terminal, logging progress. */
  waitForTerminalState?: pulumi.Input<boolean>;
  /** Default 600. How long create waits for a terminal state when `waitForTerminalState` is set. */
  waitTimeoutSeconds?: pulumi.Input<number>;
  /** Default "succeed": an execution that already finished is recorded as ALREADY_TERMINAL. "fail" makes it an error. */
  onAlreadyTerminal?: pulumi.Input<OnAlreadyTerminal>;
  /** Default "fail": a missing execution is an error. "succeed" records it as NOT_FOUND. */
  onNotFound?: pulumi.Input<OnNotFound>;
}

/**
 * What the provider records for an optional input the program left out: check's defaults, and ""
 * for the connection settings (implementation.ts, toOutputs). Typed so that a new optional input
 * cannot be forgotten here. `ifMatch` and `retryToken` are always registered instead.
 */
const LEFT_OUT: Record<Exclude<keyof QueryExecutionCancellationArgs, "projectId" | "queryExecutionId" | "ifMatch" | "retryToken">, unknown> = {
  ...DEFAULTS,
  endpoint: "",
  region: "",
  auth: "",
  configFile: "",
  profile: "",
};

/** The outputs the provider computes (schema.ts), registered as undefined so the engine tracks them. */
const COMPUTED_OUTPUTS: Record<string, undefined> = Object.fromEntries(OUTPUT_ONLY_KEYS.map((key) => [key, undefined]));

/**
 * Cancels an OCI Query Service query execution once: `pulumi up` reads it, and cancels it only
 * while it is active, with a stable retry token, so retries, re-runs and crashes never cancel
 * twice. Deleting the resource sends no request: a cancel cannot be undone.
 *
 * A dynamic resource of type `pulumi-nodejs:dynamic/oci-query-service:QueryExecutionCancellation`
 * run by this package's implementation. It registers as `pulumi.dynamic.Resource` would, with one
 * difference: `__provider` is the fixed PROVIDER_MODULE text instead of the provider serialized
 * anew, so the state is smaller and the same in every version of this package (BENCHMARKS.md).
 * Being a CustomResource of its own also makes the SDK record the caller's line as its source position.
 */
export class QueryExecutionCancellation extends pulumi.CustomResource {
  // `declare`: with ES2022 class fields, a `!:` field would reset the outputs after super().
  declare public readonly projectId: pulumi.Output<string>;
  declare public readonly queryExecutionId: pulumi.Output<string>;
  /** The pinned etag, or "". */
  declare public readonly ifMatch: pulumi.Output<string>;
  /** The opc-retry-token the cancel was (or would have been) sent with. */
  declare public readonly retryToken: pulumi.Output<string>;
  declare public readonly triggers: pulumi.Output<unknown[]>;
  declare public readonly waitForTerminalState: pulumi.Output<boolean>;
  declare public readonly waitTimeoutSeconds: pulumi.Output<number>;
  declare public readonly onAlreadyTerminal: pulumi.Output<OnAlreadyTerminal>;
  declare public readonly onNotFound: pulumi.Output<OnNotFound>;
  declare public readonly endpoint: pulumi.Output<string>;
  declare public readonly region: pulumi.Output<string>;
  /** The auth input, or "" when it came from stack config, the environment or the default. */
  declare public readonly auth: pulumi.Output<string>;
  declare public readonly configFile: pulumi.Output<string>;
  declare public readonly profile: pulumi.Output<string>;
  /** The etag the cancel was conditioned on (`if-match`). */
  declare public readonly etagAtCancel: pulumi.Output<string>;
  /** The latest observed etag; "" once the execution is gone. */
  declare public readonly etag: pulumi.Output<string>;
  /** The latest observed state, any string the service sends, or NOT_FOUND once purged. */
  declare public readonly lifecycleState: pulumi.Output<string>;
  declare public readonly outcome: pulumi.Output<CancelOutcome>;
  /** The service's opc-request-id of the accepted cancel, or "". */
  declare public readonly cancelRequestId: pulumi.Output<string>;
  /** RFC 3339 time the cancel was accepted, or "". */
  declare public readonly timeCancelRequested: pulumi.Output<string>;
  /** The version of this package that last wrote the state. */
  declare public readonly providerVersion: pulumi.Output<string>;

  constructor(name: string, args: QueryExecutionCancellationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      "pulumi-nodejs:dynamic/oci-query-service:QueryExecutionCancellation",
      name,
      {
        ...args,
        ...(args.triggers === undefined ? {} : { triggers: checkedTriggers(name, args.triggers) }),
        __provider: PROVIDER_MODULE,
        // Outputs the provider computes; listed so the engine registers them.
        ...COMPUTED_OUTPUTS,
        retryToken: args.retryToken,
        ifMatch: args.ifMatch,
      },
      opts,
    );
    warnOfNonOcids(name, { projectId: args.projectId, queryExecutionId: args.queryExecutionId });
    // Inputs the program left out are not registered, because every registered key costs the SDK
    // an Output built eagerly (BENCHMARKS.md has the price). Their properties are defined here
    // instead and built on first access: each resolves when the resource does (it hangs off
    // `outcome`), to what the provider records for a left-out input (LEFT_OUT). A reader must know:
    // they are own, enumerable getters, not fields; a program that never reads one pays nothing;
    // and a new optional input must be added to LEFT_OUT, which its type enforces.
    for (const [key, recorded] of Object.entries(LEFT_OUT)) {
      if (key in args) continue;
      let output: pulumi.Output<unknown> | undefined;
      Object.defineProperty(this, key, { enumerable: true, get: () => (output ??= this.outcome.apply(() => structuredClone(recorded))) });
    }
  }
}
