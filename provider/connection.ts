// Which endpoint, region and credentials a cancellation uses. Precedence, per setting: the
// resource input, then Pulumi stack config (read by the provider's configure hook), then the
// environment, then the default. Only *choices* are inputs; key material comes from stack
// config or the environment and is never returned, logged or put in state.

import { createHash } from "node:crypto";
import type { ApiKeyCredentials, AuthKind, QueryServiceClientOptions } from "./client/types.js";
import { profileRegion, resolveConfigFile, resolveProfile } from "./client/auth.js";
import { ConfigurationError } from "./client/errors.js";
import { LocalFileError, readLocalFile } from "./client/local-file.js";
import { quoted } from "./client/validate.js";
import { AUTH_KIND_EXPECTED, authKindOf, type ConnectionSettings } from "./connection-settings.js";

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

export function parseAuthKind(value: string, setting: string): AuthKind {
  const kind = authKindOf(value);
  if (!kind) throw new ConfigurationError(`${setting}: ${AUTH_KIND_EXPECTED} expected; got ${quoted(value)}`, setting);
  return kind;
}

const nonEmpty = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);

/** The first candidate that is set, with the name of the place it came from. */
function firstOf(...candidates: Array<[string | undefined, string]>): { value: string; name: string } | undefined {
  const found = candidates.find(([value]) => nonEmpty(value) !== undefined);
  return found && { value: found[0]!, name: found[1] };
}

/**
 * Resolves the client options for one resource. `readFile` is injected so tests need no disk; it
 * reads the OCI config file (for the profile's region) and a key given by path, and is expected
 * to refuse what is not a small regular file (readLocalFile does).
 * Throws `ConfigurationError` naming the setting at fault as the user set it; never includes a
 * secret's value. Each option's `names` entry says where it came from, so the client's errors do too.
 */
export function resolveConnection(
  inputs: ConnectionSettings,
  stack: StackConfig,
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string = (path) => readLocalFile(path),
): QueryServiceClientOptions {
  const names: NonNullable<QueryServiceClientOptions["names"]> = {};
  const options: QueryServiceClientOptions = { names };
  const take = <K extends "endpoint" | "region" | "endpointTemplate" | "configFile" | "profile">(
    key: K,
    found: { value: string; name: string } | undefined,
  ) => {
    if (!found) return;
    options[key] = found.value;
    names[key] = found.name;
  };
  const K = STACK_CONFIG_KEYS;
  const E = ENVIRONMENT_KEYS;
  take("endpoint", firstOf([inputs.endpoint, "endpoint"], [stack[K.endpoint], K.endpoint], [env[E.endpoint], E.endpoint]));
  take("endpointTemplate", firstOf([stack[K.endpointTemplate], K.endpointTemplate]));
  take("region", firstOf([inputs.region, "region"], [stack[K.region], K.region], ...E.region.map((name) => [env[name], name] as [string | undefined, string])));

  const auth = firstOf([inputs.auth, "auth"], [stack[K.auth], K.auth], [env[E.auth], E.auth]);
  options.auth = auth ? parseAuthKind(auth.value, auth.name) : "ApiKey";
  if (auth) names.auth = auth.name;

  // Else the client reads OCI_CLI_CONFIG_FILE, OCI_CONFIG_FILE, ~/.oci/config, and OCI_CLI_PROFILE, DEFAULT.
  take("configFile", firstOf([inputs.configFile, "configFile"], [stack[K.configFile], K.configFile]));
  take("profile", firstOf([inputs.profile, "profile"], [stack[K.profile], K.profile]));

  // Key material given directly (stack config first, then environment) replaces the config file,
  // unless the resource names a config file or profile itself: a resource input always wins.
  if (options.auth === "ApiKey" && inputs.configFile === undefined && inputs.profile === undefined) {
    const direct = directCredentials((name) => nonEmpty(stack[name]), K, readFile) ?? directCredentials((name) => nonEmpty(env[name]), E, readFile);
    if (direct) {
      options.credentials = direct.credentials;
      Object.assign(names, direct.names);
    }
  }

  const readsConfigFile = (options.auth === "ApiKey" && !options.credentials) || options.auth === "SecurityToken";
  if (!options.endpoint && !options.region) {
    // After the environment, the region of the profile in use, as the OCI CLI and SDKs read it.
    const file = resolveConfigFile(options.configFile, env, undefined, names.configFile);
    const profile = resolveProfile(options.profile, env, names.profile);
    const region = readsConfigFile ? profileRegion(file, profile, readFile) : undefined;
    if (region) {
      take("region", { value: region, name: `region in profile [${profile.value}] of ${file.value}` });
    } else {
      throw new ConfigurationError(
        "No Query Service endpoint: set the endpoint or region input, the stack config queryservice:endpoint or oci:region " +
          "(pulumi config set oci:region us-ashburn-1), the environment variable OCI_QUERY_SERVICE_ENDPOINT or OCI_REGION, " +
          `or region= in profile [${profile.value}] of ${file.value}${readsConfigFile ? "" : ` (read only for auth ApiKey with a config file, or SecurityToken)`}.`,
        "endpoint",
      );
    }
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

function directCredentials(
  get: (name: string) => string | undefined,
  names: KeyNames,
  readFile: (path: string) => string,
): { credentials: ApiKeyCredentials; names: NonNullable<QueryServiceClientOptions["names"]> } | undefined {
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
      const why = e instanceof LocalFileError ? e.reason : `it cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`;
      throw new ConfigurationError(`${names.privateKeyPath}: cannot use the key file ${quoted(path!, 200)}: ${why}.`, names.privateKeyPath);
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
  return {
    credentials,
    names: {
      "credentials.tenancy": names.tenancy,
      "credentials.user": names.user,
      "credentials.fingerprint": names.fingerprint,
      "credentials.privateKey": pem ? names.privateKey : names.privateKeyPath,
      "credentials.passphrase": names.privateKeyPassword,
    },
  };
}

/** A stable key for caching one client per distinct connection, without secret values in it. */
export function connectionKey(options: QueryServiceClientOptions): string {
  const { credentials, ...rest } = options;
  // A digest, so the key (an in-memory map key only) never holds the secret itself.
  const secret = credentials ? createHash("sha256").update(JSON.stringify(credentials)).digest("hex") : "";
  return JSON.stringify(rest) + "|" + secret;
}
