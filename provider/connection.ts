// Which endpoint, region and credentials a cancellation uses. Precedence, per setting: the
// resource input, then Pulumi stack config (read by the provider's configure hook), then the
// environment, then the default. Only *choices* are inputs; key material comes from stack
// config or the environment and is never returned, logged or put in state.

import { createHash } from "node:crypto";
import { AUTH_KINDS, type ApiKeyCredentials, type AuthKind, type QueryServiceClientOptions } from "./client/types.js";
import { ConfigurationError } from "./client/errors.js";
import { quoted } from "./client/validate.js";
import type { CancellationInputs } from "./inputs.js";

/** Stack config keys read, as `@pulumi/oci` users already have them, plus our own endpoint keys. */
export const STACK_CONFIG_KEYS = {
  region: "oci:region",
  profile: "oci:configFileProfile",
  auth: "oci:auth",
  privateKey: "oci:privateKey",
  privateKeyPath: "oci:privateKeyPath",
  privateKeyPassword: "oci:privateKeyPassword",
  tenancy: "oci:tenancyOcid",
  user: "oci:userOcid",
  fingerprint: "oci:fingerprint",
  endpoint: "queryservice:endpoint",
  endpointTemplate: "queryservice:endpointTemplate",
  configFile: "queryservice:configFile",
} as const;

/** Environment variables read, after stack config. */
export const ENVIRONMENT_KEYS = {
  endpoint: "OCI_QUERY_SERVICE_ENDPOINT",
  region: ["OCI_REGION", "OCI_CLI_REGION"],
  auth: "OCI_CLI_AUTH",
  privateKey: "OCI_PRIVATE_KEY",
  privateKeyPath: "OCI_PRIVATE_KEY_PATH",
  privateKeyPassword: "OCI_PRIVATE_KEY_PASSWORD",
  tenancy: "OCI_TENANCY_OCID",
  user: "OCI_USER_OCID",
  fingerprint: "OCI_FINGERPRINT",
} as const;

export type StackConfig = Record<string, string | undefined>;

/** The stack config keys this package reads, from whichever view of the config is at hand. */
export function readStackConfig(get: (key: string) => string | undefined): StackConfig {
  const config: StackConfig = {};
  for (const key of Object.values(STACK_CONFIG_KEYS)) {
    const value = get(key);
    if (value !== undefined) config[key] = value;
  }
  return config;
}
type Source = (name: string) => string | undefined;

// The OCI CLI's spellings of the auth kinds (OCI_CLI_AUTH, `oci:auth`, and the `auth` input) map onto ours.
const AUTH_ALIASES: Record<string, AuthKind> = {
  api_key: "ApiKey",
  apikey: "ApiKey",
  security_token: "SecurityToken",
  securitytoken: "SecurityToken",
  instance_principal: "InstancePrincipal",
  instanceprincipal: "InstancePrincipal",
  resource_principal: "ResourcePrincipal",
  resourceprincipal: "ResourcePrincipal",
  oke_workload_identity: "OKEWorkloadIdentity",
  okeworkloadidentity: "OKEWorkloadIdentity",
};

/** An auth kind as a user may write it: our names, or the OCI CLI's. */
export type AuthKindSpelling =
  | AuthKind
  | "api_key"
  | "security_token"
  | "instance_principal"
  | "resource_principal"
  | "oke_workload_identity";

/** What an auth setting may hold, for messages. */
export const AUTH_KIND_EXPECTED = `one of ${AUTH_KINDS.join(", ")} (or the OCI CLI spellings api_key, security_token, instance_principal, resource_principal, oke_workload_identity)`;

/** The auth kind a spelling means (any case; `-` or `_`), or undefined. */
export function authKindOf(value: string): AuthKind | undefined {
  return AUTH_ALIASES[value.trim().toLowerCase().replace(/-/g, "_")];
}

export function parseAuthKind(value: string, setting: string): AuthKind {
  const kind = authKindOf(value);
  if (!kind) throw new ConfigurationError(`${setting}: ${AUTH_KIND_EXPECTED} expected; got ${quoted(value)}`, setting);
  return kind;
}

const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);

/**
 * Resolves the client options for one resource. `readFile` is injected so tests need no disk.
 * Throws `ConfigurationError` naming the setting at fault; never includes a secret's value.
 */
export function resolveConnection(
  inputs: Pick<CancellationInputs, "endpoint" | "region" | "configFile" | "profile"> & { auth?: AuthKindSpelling },
  stack: StackConfig,
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string,
): QueryServiceClientOptions {
  const fromStack: Source = (name) => nonEmpty(stack[name]);
  const fromEnv: Source = (name) => nonEmpty(env[name]);

  const options: QueryServiceClientOptions = {};
  const endpoint = inputs.endpoint ?? fromStack(STACK_CONFIG_KEYS.endpoint) ?? fromEnv(ENVIRONMENT_KEYS.endpoint);
  if (endpoint) options.endpoint = endpoint;
  const template = fromStack(STACK_CONFIG_KEYS.endpointTemplate);
  if (template) options.endpointTemplate = template;
  const region =
    inputs.region ??
    fromStack(STACK_CONFIG_KEYS.region) ??
    ENVIRONMENT_KEYS.region.map(fromEnv).find((v) => v !== undefined);
  if (region) options.region = region;

  const stackAuth = fromStack(STACK_CONFIG_KEYS.auth);
  const envAuth = fromEnv(ENVIRONMENT_KEYS.auth);
  options.auth =
    (inputs.auth ? parseAuthKind(inputs.auth, "auth") : undefined) ??
    (stackAuth ? parseAuthKind(stackAuth, STACK_CONFIG_KEYS.auth) : undefined) ??
    (envAuth ? parseAuthKind(envAuth, ENVIRONMENT_KEYS.auth) : undefined) ??
    "ApiKey";

  const configFile = inputs.configFile ?? fromStack(STACK_CONFIG_KEYS.configFile);
  if (configFile) options.configFile = configFile; // else the client reads OCI_CLI_CONFIG_FILE, OCI_CONFIG_FILE, ~/.oci/config
  const profile = inputs.profile ?? fromStack(STACK_CONFIG_KEYS.profile);
  if (profile) options.profile = profile; // else the client reads OCI_CLI_PROFILE, then DEFAULT

  // Key material given directly (stack config first, then environment) replaces the config file,
  // unless the resource names a config file or profile itself: a resource input always wins.
  if (options.auth === "ApiKey" && inputs.configFile === undefined && inputs.profile === undefined) {
    const credentials =
      directCredentials(fromStack, STACK_CONFIG_KEYS, readFile) ?? directCredentials(fromEnv, ENVIRONMENT_KEYS, readFile);
    if (credentials) options.credentials = credentials;
  }
  return options;
}

interface KeyNames {
  privateKey: string;
  privateKeyPath: string;
  privateKeyPassword: string;
  tenancy: string;
  user: string;
  fingerprint: string;
}

function directCredentials(get: Source, names: KeyNames, readFile: (path: string) => string): ApiKeyCredentials | undefined {
  const pem = get(names.privateKey);
  const path = get(names.privateKeyPath);
  if (!pem && !path) return undefined;
  const missing = (["tenancy", "user", "fingerprint"] as const).filter((k) => !get(names[k]));
  if (missing.length > 0) {
    throw new ConfigurationError(
      `${pem ? names.privateKey : names.privateKeyPath} is set, but ${missing.map((k) => names[k]).join(", ")} ` +
        `${missing.length === 1 ? "is" : "are"} not; an API key needs the tenancy OCID, user OCID and key fingerprint too.`,
      names[missing[0]!],
    );
  }
  let privateKey = pem;
  if (!privateKey) {
    try {
      privateKey = readFile(path!);
    } catch (e) {
      throw new ConfigurationError(
        `${names.privateKeyPath}: cannot read the key file ${quoted(path!, 200)} (${(e as NodeJS.ErrnoException).code ?? "error"}).`,
        names.privateKeyPath,
      );
    }
  }
  const credentials: ApiKeyCredentials = {
    tenancy: get(names.tenancy)!,
    user: get(names.user)!,
    fingerprint: get(names.fingerprint)!,
    // Stack config often holds a PEM with literal "\n" escapes; turn them into newlines.
    privateKey: privateKey.includes("\\n") && !privateKey.includes("\n") ? privateKey.replace(/\\n/g, "\n") : privateKey,
  };
  const passphrase = get(names.privateKeyPassword);
  if (passphrase) credentials.passphrase = passphrase;
  return credentials;
}

/** A stable key for caching one client per distinct connection, without secret values in it. */
export function connectionKey(options: QueryServiceClientOptions): string {
  const { credentials, ...rest } = options;
  // A digest, so the key (an in-memory map key only) never holds the secret itself.
  const secret = credentials ? createHash("sha256").update(JSON.stringify(credentials)).digest("hex") : "";
  return JSON.stringify(rest) + "|" + secret;
}
