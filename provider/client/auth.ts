// Credentials: which OCI config file and profile apply, and the oci-common provider for each
// auth kind. Every failure is a ConfigurationError that names the setting and never quotes a
// key, a passphrase or a token.

import { createPrivateKey, type KeyObject } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  ConfigFileAuthenticationDetailsProvider,
  ConfigFileReader,
  InstancePrincipalsAuthenticationDetailsProviderBuilder,
  OkeWorkloadIdentityAuthenticationDetailsProvider,
  ResourcePrincipalAuthenticationDetailsProvider,
  SessionAuthDetailProvider,
  SimpleAuthenticationDetailsProvider,
  type AuthenticationDetailsProvider,
} from "oci-common";
import { ConfigurationError, describeSource } from "./errors.js";
import { AUTH_KINDS, type ApiKeyCredentials, type AuthKind, type ClientSetting } from "./types.js";
import { quoted } from "./validate.js";

type Env = Record<string, string | undefined>;

export interface AuthSettings {
  auth?: AuthKind;
  configFile?: string;
  profile?: string;
  credentials?: ApiKeyCredentials;
  /** Where each setting came from (QueryServiceClientOptions.names). */
  names?: Partial<Record<ClientSetting, string>>;
}

export interface Choice {
  value: string;
  /**
   * Where the value came from, as the user set it: the option's name (or the name `names` gives
   * it), an environment variable, or "default".
   */
  source: string;
}

/** Checks the auth kind (and that `credentials` go with ApiKey) without touching any file. */
export function checkAuthSettings(settings: AuthSettings): AuthKind {
  const auth = settings.auth ?? "ApiKey";
  const setting = settings.names?.auth ?? "auth";
  if (!AUTH_KINDS.includes(auth)) {
    throw new ConfigurationError(`${setting}: one of ${AUTH_KINDS.join(", ")} expected; got ${quoted(String(auth))}`, setting);
  }
  if (settings.credentials !== undefined && auth !== "ApiKey") {
    throw new ConfigurationError(`credentials are used only with auth ApiKey; auth is ${auth} (from ${describeSource(setting)})`, "credentials");
  }
  return auth;
}

/** configFile option, then OCI_CLI_CONFIG_FILE, then OCI_CONFIG_FILE, then ~/.oci/config. */
export function resolveConfigFile(configFile: string | undefined, env: Env = process.env, home = homedir(), name = "configFile"): Choice {
  const [value, source] = firstSet([
    [configFile, name],
    [env.OCI_CLI_CONFIG_FILE, "OCI_CLI_CONFIG_FILE"],
    [env.OCI_CONFIG_FILE, "OCI_CONFIG_FILE"],
  ]) ?? [join(home, ".oci", "config"), "default"];
  return { value: expandHome(value, home), source };
}

/** profile option, then OCI_CLI_PROFILE, then DEFAULT. */
export function resolveProfile(profile: string | undefined, env: Env = process.env, name = "profile"): Choice {
  const [value, source] = firstSet([
    [profile, name],
    [env.OCI_CLI_PROFILE, "OCI_CLI_PROFILE"],
  ]) ?? ["DEFAULT", "default"];
  return { value, source };
}

/**
 * The `region=` of the profile in use (the OCI CLI and SDKs read it there), or undefined when the
 * file, the profile or the key is missing; `readFile` reads the config file.
 */
export function profileRegion(file: Choice, profile: Choice, readFile: (path: string) => string): string | undefined {
  try {
    return ConfigFileReader.parse(readFile(file.value), profile.value).get("region")?.trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface LoadOptions {
  env?: Env;
  home?: string;
  /** Bound on reaching the instance metadata service. @default 30000 */
  timeoutMs?: number;
}

/**
 * Builds the oci-common provider for the auth kind. Reads files (ApiKey, SecurityToken) or the
 * environment; InstancePrincipal calls the instance metadata service.
 */
export async function loadAuthProvider(settings: AuthSettings, opts: LoadOptions = {}): Promise<AuthenticationDetailsProvider> {
  const env = opts.env ?? process.env;
  const auth = checkAuthSettings(settings);
  switch (auth) {
    case "ApiKey":
      return settings.credentials ? fromCredentials(settings.credentials, settings.names ?? {}) : fromConfigFile(settings, env, opts.home, false);
    case "SecurityToken":
      return fromConfigFile(settings, env, opts.home, true);
    case "InstancePrincipal":
      return federated(auth, "it works only on an OCI compute instance", () =>
        withTimeout(new InstancePrincipalsAuthenticationDetailsProviderBuilder().build(), opts.timeoutMs ?? 30000),
      );
    case "ResourcePrincipal":
      return federated(auth, "it works only inside OCI services that provide resource principals (OCI_RESOURCE_PRINCIPAL_* variables)", async () =>
        ResourcePrincipalAuthenticationDetailsProvider.builder(),
      );
    case "OKEWorkloadIdentity":
      // "" makes oci-common use the service-account default paths.
      return federated(auth, "it works only in a pod of an enhanced OKE cluster", async () =>
        OkeWorkloadIdentityAuthenticationDetailsProvider.builder("", ""),
      );
  }
}

/**
 * Parses a PEM private key and returns it unencrypted (PKCS#1). oci-common's own parser turns a
 * wrong passphrase into an uncaught asynchronous error that ends the process, so it only ever
 * sees a key that is known to be good.
 */
export function checkPrivateKey(
  pem: string,
  passphrase: string | null | undefined,
  setting: string,
  what: string,
  /** Where a passphrase is set, for the message when one is missing or wrong. */
  passphraseGoes: string,
): string {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem", passphrase: passphrase || undefined });
  } catch {
    const encrypted = /ENCRYPTED/.test(pem);
    const why = !encrypted
      ? "it is not a PEM private key"
      : passphrase
        ? `the passphrase does not decrypt it; correct it in ${passphraseGoes}`
        : `it is encrypted and no passphrase is set; set one in ${passphraseGoes}`;
    throw new ConfigurationError(`${what}: cannot use the private key: ${why}.`, setting);
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new ConfigurationError(`${what}: the private key is ${key.asymmetricKeyType}; OCI API keys are RSA.`, setting);
  }
  return key.export({ type: "pkcs1", format: "pem" }).toString();
}

function fromCredentials(c: ApiKeyCredentials, names: Partial<Record<ClientSetting, string>>): AuthenticationDetailsProvider {
  const name = (field: "tenancy" | "user" | "fingerprint" | "privateKey" | "passphrase") => names[`credentials.${field}`] ?? `credentials.${field}`;
  for (const field of ["tenancy", "user", "fingerprint", "privateKey"] as const) {
    if (typeof c[field] !== "string" || c[field].trim() === "") {
      throw new ConfigurationError(`${name(field)} is empty`, name(field));
    }
  }
  const pem = checkPrivateKey(c.privateKey, c.passphrase, name("privateKey"), name("privateKey"), describeSource(name("passphrase")));
  return new SimpleAuthenticationDetailsProvider(c.tenancy, c.user, c.fingerprint, pem, null);
}

function fromConfigFile(settings: AuthSettings, env: Env, home: string | undefined, session: boolean): AuthenticationDetailsProvider {
  const file = resolveConfigFile(settings.configFile, env, home, settings.names?.configFile);
  const profile = resolveProfile(settings.profile, env, settings.names?.profile);
  const where = `profile [${profile.value}] of ${file.value}`;
  const fileFrom = file.source === "default" ? " (the default)" : ` (from ${describeSource(file.source)})`;
  // What is wrong in the file is fixed in the file, or by pointing the setting elsewhere.
  const fileSetting = file.source === "default" ? (settings.names?.configFile ?? "configFile") : file.source;
  if (!existsSync(file.value)) {
    throw new ConfigurationError(
      `OCI config file ${file.value}${fileFrom} does not exist; point that setting at an existing file, or create it with "oci setup config".`,
      fileSetting,
    );
  }
  let parsed: ReturnType<typeof ConfigFileReader.parseFileFromPath>;
  try {
    parsed = ConfigFileReader.parseFileFromPath(file.value, profile.value);
  } catch (e) {
    if (/No profile named/.test(errorText(e))) {
      const from = profile.source === "default" ? " (the default)" : ` (from ${describeSource(profile.source)})`;
      const setting = profile.source === "default" ? (settings.names?.profile ?? "profile") : profile.source;
      throw new ConfigurationError(`OCI config file ${file.value}${fileFrom} has no profile [${profile.value}]${from}; name a profile the file has.`, setting);
    }
    // The parser quotes the offending line, which may hold a secret: not repeated here.
    throw new ConfigurationError(`OCI config file ${file.value}${fileFrom} is not a valid OCI config file.`, fileSetting);
  }
  const authType = parsed.get("authentication_type");
  if (authType) {
    throw new ConfigurationError(`${where} sets authentication_type=${authType}; choose that with the auth setting instead.`, "auth");
  }
  const required = session ? ["tenancy", "fingerprint", "key_file", "security_token_file"] : ["tenancy", "user", "fingerprint", "key_file"];
  const missing = required.filter((key) => !parsed.get(key));
  if (missing.length > 0) {
    throw new ConfigurationError(`${where} lacks ${missing.join(", ")}.`, fileSetting);
  }
  const keyFile = ConfigFileReader.expandUserHome(parsed.get("key_file") as string);
  if (!existsSync(keyFile)) {
    throw new ConfigurationError(`${where}: key_file ${keyFile} does not exist.`, fileSetting);
  }
  if (!parsed.get("region") && !env.OCI_REGION) {
    throw new ConfigurationError(`${where} lacks region (oci-common needs it even though endpoint decides where requests go).`, fileSetting);
  }

  let provider: ConfigFileAuthenticationDetailsProvider;
  try {
    provider = session ? new SessionAuthDetailProvider(file.value, profile.value) : new ConfigFileAuthenticationDetailsProvider(file.value, profile.value);
  } catch (e) {
    // oci-common throws a bare string when it cannot read the key file.
    const reason = typeof e === "string" ? `cannot read key_file ${keyFile}` : `oci-common rejected it (${firstSentence(errorText(e))})`;
    throw new ConfigurationError(`${where}: ${reason}.`, fileSetting);
  }
  const pem = checkPrivateKey(provider.getPrivateKey(), provider.getPassphrase(), fileSetting, `${where}, key_file ${keyFile}`, `pass_phrase of ${where}`);
  if (!session) {
    return new SimpleAuthenticationDetailsProvider(provider.getTenantId(), provider.getUser(), provider.getFingerprint(), pem, null, provider.getRegion());
  }
  const token = (provider.sessionToken ?? "").trim();
  if (token === "") {
    throw new ConfigurationError(`${where}: security_token_file ${parsed.get("security_token_file")} is empty.`, fileSetting);
  }
  provider.sessionToken = token; // the CLI writes it with a trailing newline, which would end the keyId
  return { getKeyId: () => provider.getKeyId(), getPrivateKey: () => pem, getPassphrase: () => null };
}

async function federated(
  auth: AuthKind,
  where: string,
  build: () => Promise<AuthenticationDetailsProvider>,
): Promise<AuthenticationDetailsProvider> {
  try {
    return await build();
  } catch (e) {
    throw new ConfigurationError(`auth ${auth}: no credentials (${firstSentence(errorText(e))}); ${where}.`, "auth");
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function firstSet(candidates: Array<[string | undefined, string]>): [string, string] | undefined {
  const found = candidates.find(([value]) => value !== undefined && value.trim() !== "");
  return found as [string, string] | undefined;
}

function expandHome(path: string, home: string): string {
  return path === "~" || path.startsWith("~/") ? join(home, path.slice(1)) : path;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function firstSentence(text: string): string {
  const sentence = text.trim().split(/(?<=\.)\s/)[0] ?? "";
  return sentence.replace(/\.$/, "").slice(0, 300);
}
