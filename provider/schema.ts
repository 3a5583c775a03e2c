// The one table of what QueryExecutionCancellation takes and records, what the cleanup component
// filters on, and the provider plugin's configuration keys. inputs.ts, resource.ts and
// implementation.ts derive their key lists and defaults from it; plugin/schema-json.ts derives the
// plugin's schema.json from it. Pure data: imports nothing but types.

export type OnAlreadyTerminal = "succeed" | "fail";
export type OnNotFound = "fail" | "succeed";

/** A property's type as Pulumi's package schema spells it. */
export type SchemaType = "string" | "boolean" | "integer" | "number" | "array";

export interface PropertySpec {
  type: SchemaType;
  /** Set for inputs: "replace" means a change is a new cancellation, "update" that it changes in place. */
  change?: "replace" | "update";
  /** An input the program must give. */
  required?: boolean;
  /** What check fills in when the input is left out. */
  default?: unknown;
  /** The values a string may take. */
  enum?: readonly string[];
  /** Kept as a secret (encrypted in state, masked in output). */
  secret?: boolean;
  /** As the Pulumi registry shows it. */
  description: string;
}

/** What check fills in for an optional input the program left out. */
export const DEFAULTS = {
  triggers: [] as unknown[],
  waitForTerminalState: false,
  waitTimeoutSeconds: 600,
  onAlreadyTerminal: "succeed" as OnAlreadyTerminal,
  onNotFound: "fail" as OnNotFound,
};

const CONNECTION_NOTE = 'Recorded as given ("" when left out); a change updates in place.';

/**
 * Every property of QueryExecutionCancellation, inputs first (in the order diff reports them),
 * then what the provider computes. Each output also holds its input's value as recorded.
 */
export const CANCELLATION_PROPERTIES = {
  projectId: {
    type: "string",
    change: "replace",
    required: true,
    description: "OCID of the Query Service project (1..255 characters). A change means a new cancellation.",
  },
  queryExecutionId: {
    type: "string",
    change: "replace",
    required: true,
    description: "Id of the query execution to cancel (1..255 characters). A change means a new cancellation.",
  },
  triggers: {
    type: "array",
    change: "replace",
    default: DEFAULTS.triggers,
    description: "Any JSON values; changing them asks for a new cancellation, sent with a new retry token.",
  },
  ifMatch: {
    type: "string",
    change: "replace",
    description:
      'Pins the cancel to this etag (sent as `if-match`). Default: the etag just read. When pinned and the execution has changed since, the cancel fails with a clear message instead. Recorded as "" when left out.',
  },
  retryToken: {
    type: "string",
    change: "replace",
    description:
      "The `opc-retry-token` to send (1..64 of `A-Z a-z 0-9 . _ -`). Default: derived from the project, execution, etag and triggers, which is what makes re-runs safe. The output is the token the cancel was (or would have been) sent with.",
  },
  waitForTerminalState: {
    type: "boolean",
    change: "update",
    default: DEFAULTS.waitForTerminalState,
    description: "When true, create polls until the execution is terminal, logging progress.",
  },
  waitTimeoutSeconds: {
    type: "integer",
    change: "update",
    default: DEFAULTS.waitTimeoutSeconds,
    description: "How long create waits for a terminal state when `waitForTerminalState` is set (1..86400 seconds).",
  },
  onAlreadyTerminal: {
    type: "string",
    change: "update",
    default: DEFAULTS.onAlreadyTerminal,
    enum: ["succeed", "fail"],
    description: '"succeed": an execution that already finished is recorded as ALREADY_TERMINAL; "fail" makes it an error.',
  },
  onNotFound: {
    type: "string",
    change: "update",
    default: DEFAULTS.onNotFound,
    enum: ["fail", "succeed"],
    description: '"fail": a missing execution is an error; "succeed" records it as NOT_FOUND.',
  },
  endpoint: {
    type: "string",
    change: "update",
    description: `Base URL of the Query Service; wins over \`region\`. Default: provider configuration, then OCI_QUERY_SERVICE_ENDPOINT. ${CONNECTION_NOTE}`,
  },
  region: {
    type: "string",
    change: "update",
    description: `Region id or short code (\`us-ashburn-1\`, \`iad\`). Default: provider configuration, then OCI_REGION, then the profile's region. ${CONNECTION_NOTE}`,
  },
  auth: {
    type: "string",
    change: "update",
    description: `How to sign requests: ApiKey (default), SecurityToken, InstancePrincipal, ResourcePrincipal or OKEWorkloadIdentity; the OCI CLI's spellings are accepted. ${CONNECTION_NOTE}`,
  },
  configFile: {
    type: "string",
    change: "update",
    description: `OCI config file. Default: OCI_CLI_CONFIG_FILE, then OCI_CONFIG_FILE, then ~/.oci/config. ${CONNECTION_NOTE}`,
  },
  profile: {
    type: "string",
    change: "update",
    description: `Profile in the config file. Default: provider configuration, then OCI_CLI_PROFILE, then DEFAULT. ${CONNECTION_NOTE}`,
  },
  etagAtCancel: { type: "string", description: "The etag the cancel was conditioned on (`if-match`)." },
  etag: { type: "string", description: 'The latest observed etag; "" once the execution is gone.' },
  lifecycleState: { type: "string", description: "The latest observed state, any string the service sends, or NOT_FOUND once purged." },
  outcome: { type: "string", description: "CANCEL_REQUESTED, ALREADY_CANCELING, ALREADY_TERMINAL or NOT_FOUND." },
  cancelRequestId: { type: "string", description: 'The service\'s opc-request-id of the accepted cancel, or "".' },
  timeCancelRequested: { type: "string", description: 'RFC 3339 time the cancel was accepted, or "".' },
  providerVersion: { type: "string", description: "The version of this package that last wrote the state." },
} as const satisfies Record<string, PropertySpec>;

type Properties = typeof CANCELLATION_PROPERTIES;
type KeysWhere<Shape> = { [K in keyof Properties]: Properties[K] extends Shape ? K : never }[keyof Properties];

function keysWhere<Shape>(test: (spec: PropertySpec) => boolean): Array<KeysWhere<Shape>> {
  return Object.entries(CANCELLATION_PROPERTIES as Record<string, PropertySpec>)
    .filter(([, spec]) => test(spec))
    .map(([key]) => key as KeysWhere<Shape>);
}

/** Properties that pick *which* cancellation this is: a change means a new one. */
export const REPLACE_KEYS: ReadonlyArray<KeysWhere<{ change: "replace" }>> = keysWhere<{ change: "replace" }>((s) => s.change === "replace");
/** Properties that only change how the provider talks or waits: updated in place. */
export const UPDATE_KEYS: ReadonlyArray<KeysWhere<{ change: "update" }>> = keysWhere<{ change: "update" }>((s) => s.change === "update");
/** What the provider computes; the program never sets them. */
export const OUTPUT_ONLY_KEYS: ReadonlyArray<KeysWhere<{ change?: never }>> = keysWhere<{ change?: never }>((s) => s.change === undefined);

/** The cleanup component's inputs besides the connection settings (which are the cancellation's). */
export const CLEANUP_PROPERTIES = {
  projectId: { type: "string", required: true, description: "OCID of the Query Service project whose executions are listed." },
  lifecycleStates: { type: "array", description: 'States that count as "to cancel". Default: ACCEPTED and IN_PROGRESS.' },
  name: { type: "string", description: "Only executions with exactly this name." },
  olderThanMinutes: { type: "number", description: "Only executions created more than this many minutes ago." },
  maxResults: { type: "integer", description: "Cancel at most this many new executions per run. Default: all matches." },
  waitForTerminalState: { type: "boolean", default: false, description: "Passed to every cancellation." },
  waitTimeoutSeconds: { type: "integer", default: DEFAULTS.waitTimeoutSeconds, description: "Passed to every cancellation." },
} as const satisfies Record<string, PropertySpec>;

export interface ConfigSpec extends PropertySpec {
  /** The stack config key (connection.ts, STACK_CONFIG_KEYS) this provider key stands for. */
  stackConfigKey: string;
}

/**
 * The plugin's `ociqueryservice:` configuration keys, each standing for the stack config key the
 * dynamic provider reads, so both resolve with one precedence (connection.ts).
 */
export const PROVIDER_CONFIG = {
  endpoint: { type: "string", stackConfigKey: "queryservice:endpoint", description: "Base URL of the Query Service; wins over `region`." },
  endpointTemplate: {
    type: "string",
    stackConfigKey: "queryservice:endpointTemplate",
    description: "URL with `{region}` in it, for a realm whose host is not the default.",
  },
  region: { type: "string", stackConfigKey: "oci:region", description: "Region id or short code (`us-ashburn-1`, `iad`)." },
  auth: {
    type: "string",
    stackConfigKey: "oci:auth",
    description: "ApiKey (default), SecurityToken, InstancePrincipal, ResourcePrincipal or OKEWorkloadIdentity.",
  },
  configFile: { type: "string", stackConfigKey: "queryservice:configFile", description: "OCI config file. Default: ~/.oci/config." },
  profile: { type: "string", stackConfigKey: "oci:configFileProfile", description: "Profile in the config file. Default: DEFAULT." },
  privateKey: {
    type: "string",
    secret: true,
    stackConfigKey: "oci:privateKey",
    description: "PEM text of the API signing key; wins over the config file's key_file.",
  },
  privateKeyPassword: { type: "string", secret: true, stackConfigKey: "oci:privateKeyPassword", description: "Passphrase of the API signing key." },
  tenancyOcid: { type: "string", stackConfigKey: "oci:tenancyOcid", description: "Tenancy OCID, with `privateKey`." },
  userOcid: { type: "string", stackConfigKey: "oci:userOcid", description: "User OCID, with `privateKey`." },
  fingerprint: { type: "string", stackConfigKey: "oci:fingerprint", description: "Fingerprint of the API signing key, with `privateKey`." },
} as const satisfies Record<string, ConfigSpec>;
