import { createSign, createVerify, generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkPrivateKey, loadAuthProvider, resolveConfigFile, resolveProfile } from "../../provider/client/auth";
import { ConfigurationError } from "../../provider/client/errors";
import { RequestSigner } from "../../provider/client/signer";
import { rejection } from "../helpers/rejection";

// Keys are generated per run and written to a temp directory; none is ever committed.
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const plainPem = rsa.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const encryptedPem = rsa.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "correct horse" }).toString();
const keyBody = plainPem.split("\n")[1] ?? "";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "client-auth-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function profile(name: string, fields: Record<string, string>): string {
  return `[${name}]\n${Object.entries(fields)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n")}\n`;
}

function apiKeyProfile(name: string, keyFile: string, extra: Record<string, string> = {}): string {
  return profile(name, {
    user: `ocid1.user.oc1..${name}`,
    fingerprint: "aa:bb",
    tenancy: "ocid1.tenancy.oc1..t",
    region: "us-ashburn-1",
    key_file: keyFile,
    ...extra,
  });
}

const failure = (promise: Promise<unknown>): Promise<ConfigurationError> => rejection(promise, ConfigurationError);

describe("resolveConfigFile", () => {
  const home = "/home/u";

  test("prefers the configFile option", () => {
    expect(resolveConfigFile("/a", { OCI_CLI_CONFIG_FILE: "/b", OCI_CONFIG_FILE: "/c" }, home)).toEqual({ value: "/a", source: "configFile" });
  });

  test("then OCI_CLI_CONFIG_FILE, then OCI_CONFIG_FILE", () => {
    expect(resolveConfigFile(undefined, { OCI_CLI_CONFIG_FILE: "/b", OCI_CONFIG_FILE: "/c" }, home)).toEqual({ value: "/b", source: "OCI_CLI_CONFIG_FILE" });
    expect(resolveConfigFile(undefined, { OCI_CONFIG_FILE: "/c" }, home)).toEqual({ value: "/c", source: "OCI_CONFIG_FILE" });
  });

  test("then ~/.oci/config", () => {
    expect(resolveConfigFile(undefined, {}, home)).toEqual({ value: "/home/u/.oci/config", source: "default" });
    expect(resolveConfigFile(undefined, { OCI_CLI_CONFIG_FILE: " " }, home).source).toBe("default");
  });

  test("expands ~ itself", () => {
    expect(resolveConfigFile("~/other/config", {}, home).value).toBe("/home/u/other/config");
  });
});

describe("resolveProfile", () => {
  test("prefers the option, then OCI_CLI_PROFILE, then DEFAULT", () => {
    expect(resolveProfile("P", { OCI_CLI_PROFILE: "E" })).toEqual({ value: "P", source: "profile" });
    expect(resolveProfile(undefined, { OCI_CLI_PROFILE: "E" })).toEqual({ value: "E", source: "OCI_CLI_PROFILE" });
    expect(resolveProfile(undefined, {})).toEqual({ value: "DEFAULT", source: "default" });
  });
});

describe("loadAuthProvider with ApiKey", () => {
  test("reads the profile from the explicit config file, not from the environment's", async () => {
    const key = file("key.pem", plainPem);
    const chosen = file("chosen", apiKeyProfile("DEFAULT", key) + apiKeyProfile("OTHER", key));
    const ignored = file("ignored", apiKeyProfile("DEFAULT", "/nonexistent"));
    const provider = await loadAuthProvider({ configFile: chosen, profile: "OTHER" }, { env: { OCI_CLI_CONFIG_FILE: ignored, OCI_CONFIG_FILE: ignored } });
    expect(await provider.getKeyId()).toBe("ocid1.tenancy.oc1..t/ocid1.user.oc1..OTHER/aa:bb");
  });

  test("uses OCI_CLI_CONFIG_FILE before OCI_CONFIG_FILE, and OCI_CLI_PROFILE", async () => {
    const key = file("key.pem", plainPem);
    const cli = file("cli", apiKeyProfile("DEFAULT", key) + apiKeyProfile("ENV", key));
    const plain = file("plain", apiKeyProfile("DEFAULT", "/nonexistent"));
    const provider = await loadAuthProvider({}, { env: { OCI_CLI_CONFIG_FILE: cli, OCI_CONFIG_FILE: plain, OCI_CLI_PROFILE: "ENV" } });
    expect(await provider.getKeyId()).toMatch(/\/ocid1\.user\.oc1\.\.ENV\//);
  });

  test("falls back to ~/.oci/config under the given home", async () => {
    const key = file("key.pem", plainPem);
    mkdirSync(join(dir, ".oci"));
    file(".oci/config", apiKeyProfile("DEFAULT", key));
    const provider = await loadAuthProvider({}, { env: {}, home: dir });
    expect(await provider.getKeyId()).toMatch(/ocid1\.user\.oc1\.\.DEFAULT/);
  });

  test("decrypts a key with its passphrase", async () => {
    const key = file("enc.pem", encryptedPem);
    const config = file("config", apiKeyProfile("DEFAULT", key, { pass_phrase: "correct horse" }));
    const provider = await loadAuthProvider({ configFile: config }, { env: {} });
    expect(provider.getPrivateKey()).toContain("BEGIN RSA PRIVATE KEY");
    expect(provider.getPassphrase()).toBeNull();
  });

  test("names a missing config file and where its path came from", async () => {
    const e = await failure(loadAuthProvider({}, { env: { OCI_CONFIG_FILE: join(dir, "nope") } }));
    expect(e.setting).toBe("OCI_CONFIG_FILE");
    expect(e.message).toContain(`${join(dir, "nope")} (from OCI_CONFIG_FILE) does not exist`);
  });

  test("names a missing profile", async () => {
    const config = file("config", apiKeyProfile("DEFAULT", file("key.pem", plainPem)));
    const e = await failure(loadAuthProvider({ configFile: config, profile: "PROD" }, { env: {} }));
    expect(e.setting).toBe("profile");
    expect(e.message).toContain("has no profile [PROD]");
  });

  test("names a missing key file", async () => {
    const config = file("config", apiKeyProfile("DEFAULT", join(dir, "gone.pem")));
    const e = await failure(loadAuthProvider({ configFile: config }, { env: {} }));
    expect(e.setting).toBe("configFile");
    expect(e.message).toContain(`key_file ${join(dir, "gone.pem")} does not exist`);
  });

  test("refuses a key_file that is a directory, naming it", async () => {
    mkdirSync(join(dir, "key-dir"));
    const config = file("config", apiKeyProfile("DEFAULT", join(dir, "key-dir")));
    const e = await failure(loadAuthProvider({ configFile: config }, { env: {} }));
    expect(e.message).toContain(`key_file ${join(dir, "key-dir")} cannot be used: it is a directory, not a regular file.`);
  });

  test("rejects a wrong passphrase clearly, without quoting it or the key", async () => {
    const key = file("enc.pem", encryptedPem);
    const config = file("config", apiKeyProfile("DEFAULT", key, { pass_phrase: "wrong-secret" }));
    const e = await failure(loadAuthProvider({ configFile: config }, { env: {} }));
    expect(e.message).toMatch(/the passphrase does not decrypt it/);
    expect(e.message).not.toContain("wrong-secret");
    expect(e.message).not.toContain("BEGIN");
  });

  test("rejects an encrypted key without a passphrase, saying where the passphrase goes", async () => {
    const config = file("config", apiKeyProfile("DEFAULT", file("enc.pem", encryptedPem)));
    const e = await failure(loadAuthProvider({ configFile: config }, { env: {} }));
    expect(e.message).toContain(`encrypted and no passphrase is set; set one in pass_phrase of profile [DEFAULT] of ${config}.`);
  });

  test("names a config file, a profile and a key by where the user set them", async () => {
    const names = { configFile: "queryservice:configFile", profile: "oci:configFileProfile" };
    const missing = await failure(loadAuthProvider({ configFile: join(dir, "nope"), names }, { env: {} }));
    expect([missing.setting, missing.message]).toEqual([
      "queryservice:configFile",
      `OCI config file ${join(dir, "nope")} (from stack config queryservice:configFile) does not exist; point that setting at an existing file, or create it with "oci setup config".`,
    ]);
    const config = file("config", apiKeyProfile("DEFAULT", file("key.pem", plainPem)));
    const noProfile = await failure(loadAuthProvider({ configFile: config, names }, { env: { OCI_CLI_PROFILE: "PROD" } }));
    expect([noProfile.setting, noProfile.message]).toEqual([
      "OCI_CLI_PROFILE",
      `OCI config file ${config} (from stack config queryservice:configFile) has no profile [PROD] (from OCI_CLI_PROFILE); it has [DEFAULT]: name one of those.`,
    ]);
    const key = { tenancy: "t", user: "u", fingerprint: "f", privateKey: encryptedPem };
    const direct = await failure(
      loadAuthProvider({ credentials: key, names: { "credentials.privateKey": "oci:privateKey", "credentials.passphrase": "oci:privateKeyPassword" } }),
    );
    expect([direct.setting, direct.message]).toEqual([
      "oci:privateKey",
      "oci:privateKey: cannot use the private key: it is encrypted and no passphrase is set; set one in stack config oci:privateKeyPassword.",
    ]);
  });

  test("rejects a garbage key", async () => {
    const config = file("config", apiKeyProfile("DEFAULT", file("junk.pem", "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n")));
    const e = await failure(loadAuthProvider({ configFile: config }, { env: {} }));
    expect(e.message).toMatch(/not a PEM private key/);
  });

  test("rejects a non-RSA key", async () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const config = file("config", apiKeyProfile("DEFAULT", file("ec.pem", ec)));
    const e = await failure(loadAuthProvider({ configFile: config }, { env: {} }));
    expect(e.message).toMatch(/the private key is ec; OCI API keys are RSA/);
  });

  test("lists the fields a profile lacks", async () => {
    const config = file("config", profile("DEFAULT", { tenancy: "t", region: "us-ashburn-1" }));
    const e = await failure(loadAuthProvider({ configFile: config }, { env: {} }));
    expect(e.message).toContain("lacks user, fingerprint, key_file");
  });

  test("does not repeat a config line it cannot parse", async () => {
    const config = file("config", `[DEFAULT]\n${keyBody}\n`);
    const e = await failure(loadAuthProvider({ configFile: config }, { env: {} }));
    expect(e.message).toContain("is not a valid OCI config file");
    expect(e.message).not.toContain(keyBody);
  });

  test("uses credentials given directly instead of any file", async () => {
    const provider = await loadAuthProvider(
      { credentials: { tenancy: "t", user: "u", fingerprint: "f", privateKey: encryptedPem, passphrase: "correct horse" } },
      { env: { OCI_CLI_CONFIG_FILE: join(dir, "nope") } },
    );
    expect(await provider.getKeyId()).toBe("t/u/f");
  });

  test("names the credentials field at fault", async () => {
    const e = await failure(loadAuthProvider({ credentials: { tenancy: "t", user: "u", fingerprint: "f", privateKey: encryptedPem, passphrase: "nope" } }));
    expect(e.setting).toBe("credentials.privateKey");
    const empty = await failure(loadAuthProvider({ credentials: { tenancy: "", user: "u", fingerprint: "f", privateKey: plainPem } }));
    expect(empty.setting).toBe("credentials.tenancy");
  });
});

describe("loadAuthProvider with SecurityToken", () => {
  test("signs with ST$<token>, trimming the token file", async () => {
    const key = file("key.pem", plainPem);
    const token = file("token", "tok.en-123\n");
    const config = file("config", profile("DEFAULT", { fingerprint: "aa", tenancy: "t", region: "us-ashburn-1", key_file: key, security_token_file: token }));
    const provider = await loadAuthProvider({ auth: "SecurityToken", configFile: config }, { env: {} });
    expect(await provider.getKeyId()).toBe("ST$tok.en-123");
  });

  test("asks for security_token_file", async () => {
    const config = file("config", apiKeyProfile("DEFAULT", file("key.pem", plainPem)));
    const e = await failure(loadAuthProvider({ auth: "SecurityToken", configFile: config }, { env: {} }));
    expect(e.message).toContain("lacks security_token_file");
  });
});

describe("loadAuthProvider with federated kinds", () => {
  test.each([
    ["ResourcePrincipal", /auth ResourcePrincipal: no credentials \(OCI_RESOURCE_PRINCIPAL_VERSION environment variable is missing/],
    ["OKEWorkloadIdentity", /auth OKEWorkloadIdentity: no credentials \(KUBERNETES_SERVICE_HOST environment variable is missing/],
  ] as const)("explains that %s needs its environment", async (auth, message) => {
    const e = await failure(loadAuthProvider({ auth }));
    expect(e.setting).toBe("auth");
    expect(e.message).toMatch(message);
  });

  test("rejects credentials with another auth kind and unknown kinds", async () => {
    const e = await failure(loadAuthProvider({ auth: "InstancePrincipal", credentials: { tenancy: "t", user: "u", fingerprint: "f", privateKey: plainPem } }));
    expect(e.setting).toBe("credentials");
    const unknown = await failure(loadAuthProvider({ auth: "Password" as never }));
    expect(unknown.message).toMatch(/one of ApiKey, SecurityToken, InstancePrincipal, ResourcePrincipal, OKEWorkloadIdentity expected/);
  });
});

describe("checkPrivateKey", () => {
  test("returns an unencrypted PKCS#1 key that signs like the original", () => {
    const pem = checkPrivateKey(encryptedPem, "correct horse", "s", "w", "p");
    const signature = createSign("sha256").update("x").sign(pem);
    expect(createVerify("sha256").update("x").verify(rsa.publicKey, signature)).toBe(true);
  });
});

describe("RequestSigner", () => {
  test("signs a GET with x-date, (request-target) and host", async () => {
    const provider = await loadAuthProvider({ credentials: { tenancy: "t", user: "u", fingerprint: "f", privateKey: plainPem } });
    const headers = await new RequestSigner(provider).sign({ method: "GET", url: "https://qs.example.com/a%20b?x=1", headers: { accept: "application/json" } });
    expect(headers.host).toBe("qs.example.com");
    expect(headers["x-date"]).toBeDefined();
    expect(headers.authorization).toMatch(/^Signature version="1",keyId="t\/u\/f",algorithm="rsa-sha256",headers="x-date \(request-target\) host",signature="/);
  });

  test("signs an empty POST with content-length 0 and the SHA-256 of the empty string", async () => {
    const provider = await loadAuthProvider({ credentials: { tenancy: "t", user: "u", fingerprint: "f", privateKey: plainPem } });
    const headers = await new RequestSigner(provider).sign({
      method: "POST",
      url: "https://qs.example.com/c",
      headers: { "content-length": "99", "x-date": "Thu, 01 Jan 1970 00:00:00 GMT", authorization: "stale" },
      body: "",
    });
    expect(headers["content-length"]).toBe("0");
    expect(headers["content-type"]).toBe("application/json");
    expect(headers["x-content-sha256"]).toBe("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    expect(headers["x-date"]).not.toBe("Thu, 01 Jan 1970 00:00:00 GMT");
    // oci-common lists two of them capitalised; header names are case-insensitive.
    expect(headers.authorization.toLowerCase()).toContain('headers="x-date (request-target) host content-type content-length x-content-sha256"');
  });
});
