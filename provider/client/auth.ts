// Credentials: which OCI config file and profile apply, and the oci-common provider for each
// auth kind. Every failure is a ConfigurationError that names the setting and never quotes a
// key, a passphrase or a token.

import { createPrivateKey, type KeyObject } from "node:crypto";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  ConfigFileReader,
  InstancePrincipalsAuthenticationDetailsProviderBuilder,
  OkeWorkloadIdentityAuthenticationDetailsProvider,
  ResourcePrincipalAuthenticationDetailsProvider,
  SimpleAuthenticationDetailsProvider,
  type AuthenticationDetailsProvider,
} from "oci-common";
import { ConfigSyntaxError, listProfiles, parseOciConfig, profileValue, type OciConfig } from "./config-file.js";
import { ConfigurationError, describeSource } from "./errors.js";
import { LocalFileError, readLocalFile } from "./local-file.js";
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
  let text: string;
  try {
    text = readFile(file.value);
  } catch (e) {
    // A missing file is said where credentials are read; one that is no regular file is said now.
    if (e instanceof LocalFileError && e.code !== "ENOENT") throw unusableConfigFile(file, file.source === "default" ? "configFile" : file.source, e);
    return undefined;
  }
  try {
    return profileValue(parseOciConfig(text), profile.value, "region")?.trim() || undefined;
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
      return federated(auth, "it works only in a pod of an enhanced OKE cluster", async () => OkeWorkloadIdentityAuthenticationDetailsProvider.builder("", ""));
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

/** Where each default can be pointed elsewhere, for a message about a missing default file. */
const CONFIG_FILE_SETTINGS = "the configFile input, stack config queryservice:configFile, or OCI_CLI_CONFIG_FILE / OCI_CONFIG_FILE";

function fromConfigFile(settings: AuthSettings, env: Env, home: string | undefined, session: boolean): AuthenticationDetailsProvider {
  const file = resolveConfigFile(settings.configFile, env, home, settings.names?.configFile);
  const profile = resolveProfile(settings.profile, env, settings.names?.profile);
  const fileFrom = pathFrom(file);
  const where = `profile [${profile.value}] of ${file.value}`;
  // The messages below say where the file's path came from; `where` alone says where a passphrase goes.
  const whereFrom = `${where}${fileFrom}`;
  // What is wrong in the file is fixed in the file, or by pointing the setting elsewhere.
  const fileSetting = file.source === "default" ? (settings.names?.configFile ?? "configFile") : file.source;
  const config = readConfig(file, fileSetting);
  const get = (key: string) => profileValue(config, profile.value, key) || undefined;
  if (!config.has(profile.value)) {
    const from = profile.source === "default" ? " (the default)" : ` (from ${describeSource(profile.source)})`;
    const setting = profile.source === "default" ? (settings.names?.profile ?? "profile") : profile.source;
    throw new ConfigurationError(
      `OCI config file ${file.value}${fileFrom} has no profile [${profile.value}]${from}; it has ${listProfiles(config)}: name one of those.`,
      setting,
    );
  }
  const authType = get("authentication_type");
  if (authType) {
    throw new ConfigurationError(`${whereFrom} sets authentication_type=${quoted(authType)}; choose that with the auth setting instead.`, "auth");
  }
  const required = session ? ["tenancy", "fingerprint", "key_file", "security_token_file"] : ["tenancy", "user", "fingerprint", "key_file"];
  const missing = required.filter((key) => !get(key));
  if (missing.length > 0) {
    throw new ConfigurationError(`${whereFrom} lacks ${missing.join(", ")}.`, fileSetting);
  }
  const keyFile = ConfigFileReader.expandUserHome(get("key_file")!);
  const keyPem = readFileNamedIn(keyFile, `${whereFrom}: key_file`, fileSetting);
  const pem = checkPrivateKey(keyPem, get("pass_phrase") ?? null, fileSetting, `${whereFrom}, key_file ${keyFile}`, `pass_phrase of ${where}`);
  if (!session) return new SimpleAuthenticationDetailsProvider(get("tenancy")!, get("user")!, get("fingerprint")!, pem, null);
  const tokenFile = ConfigFileReader.expandUserHome(get("security_token_file")!);
  // The CLI writes the token with a trailing newline, which would end the keyId.
  const token = readFileNamedIn(tokenFile, `${whereFrom}: security_token_file`, fileSetting).trim();
  if (token === "") {
    throw new ConfigurationError(`${whereFrom}: security_token_file ${tokenFile} is empty.`, fileSetting);
  }
  return { getKeyId: async () => `ST$${token}`, getPrivateKey: () => pem, getPassphrase: () => null };
}

/** ` (the default)` or ` (from OCI_CONFIG_FILE)`: where a file's path came from, for messages. */
function pathFrom(file: Choice): string {
  return file.source === "default" ? " (the default)" : ` (from ${describeSource(file.source)})`;
}

/** The config file cannot be read: what it is, and which settings can point elsewhere. */
function unusableConfigFile(file: Choice, setting: string, e: LocalFileError): ConfigurationError {
  const what = e.code === "ENOENT" ? "does not exist" : `cannot be used: ${e.reason}`;
  let next: string;
  if (file.source === "default") {
    next = `${e.code === "ENOENT" ? "create it" : "replace it"} with "oci setup config", or point ${CONFIG_FILE_SETTINGS} at another file`;
  } else if (e.code === "ENOENT") {
    next = `point that setting at an existing file, or create it with "oci setup config"`;
  } else {
    next = "point that setting at a regular file";
  }
  return new ConfigurationError(`OCI config file ${file.value}${pathFrom(file)} ${what}; ${next}.`, setting);
}

/** Reads and parses the OCI config file, refusing what is not a small regular file in the OCI CLI's format. */
function readConfig(file: Choice, setting: string): OciConfig {
  let text: string;
  try {
    text = readLocalFile(file.value);
  } catch (e) {
    if (!(e instanceof LocalFileError)) throw e;
    throw unusableConfigFile(file, setting, e);
  }
  try {
    return parseOciConfig(text);
  } catch (e) {
    if (!(e instanceof ConfigSyntaxError)) throw e;
    // The line itself may hold a secret: named by number, never quoted.
    throw new ConfigurationError(`OCI config file ${file.value}${pathFrom(file)} is not a valid OCI config file: line ${e.line} is ${e.problem}.`, setting);
  }
}

/** Reads a file a config profile names (key_file, security_token_file). */
function readFileNamedIn(path: string, what: string, setting: string): string {
  try {
    return readLocalFile(path);
  } catch (e) {
    if (!(e instanceof LocalFileError)) throw e;
    const reason = e.code === "ENOENT" ? "does not exist" : `cannot be used: ${e.reason}`;
    throw new ConfigurationError(`${what} ${path} ${reason}.`, setting);
  }
}

async function federated(auth: AuthKind, where: string, build: () => Promise<AuthenticationDetailsProvider>): Promise<AuthenticationDetailsProvider> {
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
