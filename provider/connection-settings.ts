// The five settings that choose how a cancellation reaches the Query Service, and the spellings a
// user may write for one of them, the auth kind. Only choices: no key material is ever one of them.
// The resource, listQueryExecutions, cleanup stacks, check and oci-query-cleanup's flags all take
// this one shape; connection.ts resolves it against stack config and the environment.

import type { AuthKind } from "./client/types.js";
import { AUTH_KINDS } from "./client/types.js";

/**
 * Where and as whom to connect. Each setting left out falls back to stack config, then the
 * environment, then the default (README, "Configuration"). `Auth` is the auth kind as the holder
 * keeps it: as written (any spelling), or `AuthKind` once check has normalised it.
 */
export interface ConnectionSettings<Auth extends string = AuthKindSpelling> {
  /** Base URL of the Query Service; wins over `region`. Default: stack config, then environment. */
  endpoint?: string;
  /** Region id or short code (`us-ashburn-1`, `iad`). Default: `oci:region`, then OCI_REGION. */
  region?: string;
  /** Default "ApiKey" (or `oci:auth`, then OCI_CLI_AUTH). The OCI CLI's spellings (`api_key`, …) are accepted too. */
  auth?: Auth;
  /** OCI config file. Default: OCI_CLI_CONFIG_FILE, then OCI_CONFIG_FILE, then ~/.oci/config. */
  configFile?: string;
  /** Profile in the config file. Default: `oci:configFileProfile`, then OCI_CLI_PROFILE, then DEFAULT. */
  profile?: string;
}

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
export type AuthKindSpelling = AuthKind | "api_key" | "security_token" | "instance_principal" | "resource_principal" | "oke_workload_identity";

/** What an auth setting may hold, for messages. */
export const AUTH_KIND_EXPECTED = `one of ${AUTH_KINDS.join(", ")} (or the OCI CLI spellings api_key, security_token, instance_principal, resource_principal, oke_workload_identity)`;

/** The auth kind a spelling means (any case; `-` or `_`), or undefined. */
export function authKindOf(value: string): AuthKind | undefined {
  return AUTH_ALIASES[value.trim().toLowerCase().replace(/-/g, "_")];
}
