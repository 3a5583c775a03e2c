import { ConfigurationError } from "../../provider/client/errors";
import { resolveConnection } from "../../provider/connection";

const noFile = (path: string): string => {
  throw Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" });
};

describe("resolveConnection", () => {
  test("prefers the resource input, then stack config, then the environment", () => {
    const stack = { "queryservice:endpoint": "https://stack.example", "oci:region": "phx", "oci:configFileProfile": "STACK" };
    const env = { OCI_QUERY_SERVICE_ENDPOINT: "https://env.example", OCI_REGION: "fra", OCI_CLI_AUTH: "security_token" };
    expect(resolveConnection({ endpoint: "https://input.example", region: "iad", profile: "INPUT" }, stack, env, noFile)).toMatchObject({
      endpoint: "https://input.example",
      region: "iad",
      profile: "INPUT",
      auth: "SecurityToken",
    });
    expect(resolveConnection({}, stack, env, noFile)).toMatchObject({ endpoint: "https://stack.example", region: "phx", profile: "STACK" });
    expect(resolveConnection({}, {}, env, noFile)).toMatchObject({ endpoint: "https://env.example", region: "fra" });
    expect(resolveConnection({}, {}, {}, noFile)).toEqual({ auth: "ApiKey" });
  });

  test("maps the OCI CLI spellings of auth kinds and names the setting of a bad one", () => {
    expect(resolveConnection({}, { "oci:auth": "instance_principal" }, {}, noFile).auth).toBe("InstancePrincipal");
    expect(resolveConnection({ auth: "security_token" }, {}, {}, noFile).auth).toBe("SecurityToken");
    expect(() => resolveConnection({}, { "oci:auth": "password" }, {}, noFile)).toThrow(
      expect.objectContaining({ name: "ConfigurationError", setting: "oci:auth" }),
    );
  });

  test("uses API-key material from stack config, with escaped newlines restored", () => {
    const stack = {
      "oci:privateKey": "-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----",
      "oci:tenancyOcid": "ocid1.tenancy.oc1..t",
      "oci:userOcid": "ocid1.user.oc1..u",
      "oci:fingerprint": "aa:bb",
      "oci:privateKeyPassword": "pw",
    };
    const options = resolveConnection({}, stack, {}, noFile);
    expect(options.credentials).toEqual({
      tenancy: "ocid1.tenancy.oc1..t",
      user: "ocid1.user.oc1..u",
      fingerprint: "aa:bb",
      privateKey: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
      passphrase: "pw",
    });
  });

  test("a config file named on the resource wins over key material in stack config", () => {
    const stack = { "oci:privateKey": "PEM", "oci:tenancyOcid": "t", "oci:userOcid": "u", "oci:fingerprint": "f" };
    const options = resolveConnection({ configFile: "/tmp/config" }, stack, {}, noFile);
    expect(options.credentials).toBeUndefined();
    expect(options.configFile).toBe("/tmp/config");
  });

  test("names the missing companions of a private key without echoing the key", () => {
    let error: unknown;
    try {
      resolveConnection({}, { "oci:privateKey": "SECRET-PEM-TEXT" }, {}, noFile);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain("oci:tenancyOcid, oci:userOcid, oci:fingerprint");
    expect((error as Error).message).not.toContain("SECRET-PEM-TEXT");
  });

  test("reports an unreadable private key path by its setting", () => {
    const env = { OCI_PRIVATE_KEY_PATH: "/nope/key.pem", OCI_TENANCY_OCID: "t", OCI_USER_OCID: "u", OCI_FINGERPRINT: "f" };
    expect(() => resolveConnection({}, {}, env, noFile)).toThrow(/OCI_PRIVATE_KEY_PATH: cannot read the key file "\/nope\/key.pem" \(ENOENT\)/);
  });
});
