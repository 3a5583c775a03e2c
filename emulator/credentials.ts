// Throwaway credentials for the emulator: a fresh 2048-bit RSA key pair, its OCI fingerprint, and
// an OCI config file that oci-common (and so our client) reads like a real one. Nothing here is
// valid anywhere but in the emulator that registered the key.

import { createHash, createPrivateKey, createPublicKey, generateKeyPair, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const generateKeyPairAsync = promisify(generateKeyPair);

export interface WriteCredentialsOptions {
  /** Profile name written in the config file. @default "DEFAULT" */
  profile?: string;
  /** Encrypts the private key with this passphrase and writes `pass_phrase` in the profile. */
  passphrase?: string;
  /** Writes a session-token profile (`security_token_file`, keyId `ST$<token>`) instead of an API-key one. */
  securityToken?: boolean;
  /** @default "us-ashburn-1" */
  region?: string;
  /**
   * Reuse the key and profile already in the directory when they are there (the CLI does, so a
   * user's OCI_CONFIG_FILE stays valid across restarts). @default false
   */
  reuse?: boolean;
}

export interface EmulatorCredentials {
  /** The OCI config file: pass it as `configFile` (oci-common prefers ~/.oci/config otherwise). */
  configFile: string;
  profile: string;
  keyFile: string;
  tenancy: string;
  user: string;
  /** MD5 of the DER public key, colon-separated hex, as the OCI console shows it. */
  fingerprint: string;
  region: string;
  privateKeyPem: string;
  publicKeyPem: string;
  /** Set when the key is encrypted. */
  passphrase?: string;
  /** Set for a session-token profile: the token (keyId is `ST$<token>`). */
  securityToken?: string;
  securityTokenFile?: string;
  /** The keyId requests are signed with. */
  keyId: string;
}

/** The OCI API-key fingerprint: MD5 of the DER SubjectPublicKeyInfo, as aa:bb:... */
export function keyFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: "spki", format: "der" });
  return createHash("md5").update(der).digest("hex").match(/../g)!.join(":");
}

function fakeOcid(kind: string): string {
  return `ocid1.${kind}.oc1..emulator${randomBytes(12).toString("hex")}`;
}

/** A JWT-shaped token; the emulator only compares it, it never parses it. */
function fakeSessionToken(user: string, tenancy: string, nowMs: number): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const header = b64({ alg: "RS256", typ: "JWT", kid: "oci-query-service-emulator" });
  const claims = b64({
    sub: user,
    tenant: tenancy,
    iss: "oci-query-service-emulator",
    iat: Math.floor(nowMs / 1000),
    exp: Math.floor(nowMs / 1000) + 24 * 3600,
  });
  return `${header}.${claims}.${randomBytes(32).toString("base64url")}`;
}

/** Splits an OCI config file into profiles (order kept). */
function parseConfig(text: string): Map<string, Map<string, string>> {
  const profiles = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = new Map();
      profiles.set(section[1]!, current);
    } else if (current && line.includes("=")) {
      const i = line.indexOf("=");
      current.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
  }
  return profiles;
}

function formatConfig(profiles: Map<string, Map<string, string>>): string {
  const out: string[] = [];
  for (const [name, entries] of profiles) {
    out.push(`[${name}]`);
    for (const [k, v] of entries) out.push(`${k}=${v}`);
    out.push("");
  }
  return out.join("\n");
}

/** What the emulator must register for these credentials to sign requests. */
export interface KeyToRegister {
  keyId: string;
  publicKeyPem: string;
}

/**
 * Writes (or with `reuse`, reads back) one profile of credentials in `dir` and returns them.
 * The caller registers `keyId` -> `publicKeyPem` with the emulator.
 */
export async function writeCredentialsFiles(dir: string | undefined, options: WriteCredentialsOptions, nowMs: number): Promise<EmulatorCredentials> {
  const profile = options.profile ?? "DEFAULT";
  if (!/^[A-Za-z0-9_.-]+$/.test(profile)) throw new TypeError(`Expected \`profile\` to be letters, digits, _ . or -; got ${JSON.stringify(profile)}`);
  const region = options.region ?? "us-ashburn-1";
  const directory = dir ?? (await mkdtemp(join(tmpdir(), "oci-qs-emulator-")));
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const configFile = join(directory, "config");
  const base = profile === "DEFAULT" ? "key" : `key-${profile}`;
  const keyFile = join(directory, `${base}.pem`);
  const publicKeyFile = join(directory, `${base}_public.pem`);
  const tokenFile = join(directory, profile === "DEFAULT" ? "token" : `token-${profile}`);
  const profiles = existsSync(configFile) ? parseConfig(await readFile(configFile, "utf8")) : new Map<string, Map<string, string>>();

  if (options.reuse) {
    const reused = await readBack(profiles.get(profile), profile, configFile);
    if (reused) return reused;
  }

  const passphrase = options.passphrase;
  const { privateKey, publicKey } = await generateKeyPairAsync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: passphrase ? { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase } : { type: "pkcs8", format: "pem" },
  });
  const fingerprint = keyFingerprint(publicKey);
  const tenancy = fakeOcid("tenancy");
  const user = fakeOcid("user");
  await writeFile(keyFile, privateKey, { mode: 0o600 });
  await writeFile(publicKeyFile, publicKey, { mode: 0o644 });

  const entries = new Map<string, string>();
  let securityToken: string | undefined;
  if (options.securityToken) {
    securityToken = fakeSessionToken(user, tenancy, nowMs);
    // No trailing newline: oci-common reads the file as is into the keyId.
    await writeFile(tokenFile, securityToken, { mode: 0o600 });
    entries.set("fingerprint", fingerprint);
    entries.set("key_file", keyFile);
    entries.set("tenancy", tenancy);
    entries.set("region", region);
    entries.set("security_token_file", tokenFile);
  } else {
    entries.set("user", user);
    entries.set("fingerprint", fingerprint);
    entries.set("tenancy", tenancy);
    entries.set("region", region);
    entries.set("key_file", keyFile);
  }
  if (passphrase) entries.set("pass_phrase", passphrase);
  profiles.set(profile, entries);
  await writeFile(configFile, formatConfig(profiles), { mode: 0o600 });

  return credentialsOf({
    configFile,
    profile,
    keyFile,
    tenancy,
    user,
    fingerprint,
    region,
    privateKeyPem: privateKey,
    publicKeyPem: publicKey,
    passphrase,
    securityToken,
    securityTokenFile: tokenFile,
  });
}

async function readBack(entries: Map<string, string> | undefined, profile: string, configFile: string): Promise<EmulatorCredentials | undefined> {
  const keyFile = entries?.get("key_file");
  const tenancy = entries?.get("tenancy");
  if (!entries || !keyFile || !tenancy || !existsSync(keyFile)) return undefined;
  const passphrase = entries.get("pass_phrase");
  const privateKeyPem = await readFile(keyFile, "utf8");
  const publicKeyPem = createPublicKey(createPrivateKey(passphrase ? { key: privateKeyPem, passphrase } : privateKeyPem))
    .export({ type: "spki", format: "pem" })
    .toString();
  const fingerprint = keyFingerprint(publicKeyPem);
  const tokenFile = entries.get("security_token_file");
  const securityToken = tokenFile && existsSync(tokenFile) ? (await readFile(tokenFile, "utf8")).trim() : undefined;
  const user = entries.get("user") ?? "";
  if (!securityToken && !user) return undefined;
  return credentialsOf({
    configFile,
    profile,
    keyFile,
    tenancy,
    user,
    fingerprint,
    region: entries.get("region") ?? "us-ashburn-1",
    privateKeyPem,
    publicKeyPem,
    passphrase,
    securityToken,
    securityTokenFile: tokenFile,
  });
}

/** The credentials as returned, with the keyId derived and the optional parts only when set. */
function credentialsOf(
  c: Omit<EmulatorCredentials, "keyId" | "passphrase" | "securityToken" | "securityTokenFile"> & {
    passphrase: string | undefined;
    securityToken: string | undefined;
    securityTokenFile: string | undefined;
  },
): EmulatorCredentials {
  const { passphrase, securityToken, securityTokenFile, ...rest } = c;
  return {
    ...rest,
    ...(passphrase ? { passphrase } : {}),
    ...(securityToken ? { securityToken, securityTokenFile: securityTokenFile! } : {}),
    keyId: securityToken ? `ST$${securityToken}` : `${rest.tenancy}/${rest.user}/${rest.fingerprint}`,
  };
}
