import { ConfigurationError } from "../../provider/client/errors";
import { resolveConnection } from "../../provider/connection";

const noFile = (path: string): string => {
  throw Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" });
};

describe("resolveConnection", () => {
  test("prefers the resource input, then stack config, then the environment, and names where each came from", () => {
    const stack = { "queryservice:endpoint": "https://stack.example", "oci:region": "phx", "oci:configFileProfile": "STACK" };
    const env = { OCI_QUERY_SERVICE_ENDPOINT: "https://env.example", OCI_REGION: "fra", OCI_CLI_AUTH: "security_token" };
    expect(resolveConnection({ endpoint: "https://input.example", region: "iad", profile: "INPUT" }, stack, env, noFile)).toMatchObject({
      endpoint: "https://input.example",
      region: "iad",
      profile: "INPUT",
      auth: "SecurityToken",
      names: { endpoint: "endpoint", region: "region", profile: "profile", auth: "OCI_CLI_AUTH" },
    });
    expect(resolveConnection({}, stack, env, noFile)).toMatchObject({
      endpoint: "https://stack.example",
      region: "phx",
      profile: "STACK",
      names: { endpoint: "queryservice:endpoint", region: "oci:region", profile: "oci:configFileProfile" },
    });
    expect(resolveConnection({}, {}, env, noFile)).toMatchObject({
      endpoint: "https://env.example",
      region: "fra",
      names: { endpoint: "OCI_QUERY_SERVICE_ENDPOINT", region: "OCI_REGION" },
    });
    expect(resolveConnection({}, {}, { OCI_CLI_REGION: "lhr" }, noFile)).toEqual({ region: "lhr", auth: "ApiKey", names: { region: "OCI_CLI_REGION" } });
  });

  test("takes the region of the OCI config profile in use after the environment", () => {
    const config = "[DEFAULT]\nregion=us-ashburn-1\n[OTHER]\nregion=eu-frankfurt-1\n";
    const file = (path: string) => (path === "/cfg" ? config : noFile(path));
    expect(resolveConnection({ configFile: "/cfg" }, {}, {}, file)).toMatchObject({
      region: "us-ashburn-1",
      names: { region: "region in profile [DEFAULT] of /cfg" },
    });
    expect(resolveConnection({}, { "queryservice:configFile": "/cfg" }, { OCI_CLI_PROFILE: "OTHER" }, file).region).toBe("eu-frankfurt-1");
    expect(resolveConnection({ configFile: "/cfg" }, {}, { OCI_REGION: "phx" }, file).region).toBe("phx");
  });

  test("lists every place an endpoint can be set when none is", () => {
    expect(() => resolveConnection({ configFile: "/missing" }, {}, {}, noFile)).toThrow(
      expect.objectContaining({
        setting: "endpoint",
        message:
          "No Query Service endpoint: set the endpoint or region input, the stack config queryservice:endpoint or oci:region " +
          "(pulumi config set oci:region us-ashburn-1), the environment variable OCI_QUERY_SERVICE_ENDPOINT or OCI_REGION, " +
          "or region= in profile [DEFAULT] of /missing.",
      }),
    );
  });

  test("maps the OCI CLI spellings of auth kinds and names the setting of a bad one", () => {
    const region = { "oci:region": "iad" };
    expect(resolveConnection({}, { ...region, "oci:auth": "instance_principal" }, {}, noFile).auth).toBe("InstancePrincipal");
    expect(resolveConnection({ auth: "security_token" }, region, {}, noFile).auth).toBe("SecurityToken");
    expect(() => resolveConnection({}, { ...region, "oci:auth": "password" }, {}, noFile)).toThrow(
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
    const options = resolveConnection({ region: "iad" }, stack, {}, noFile);
    expect(options.names).toMatchObject({ "credentials.privateKey": "oci:privateKey", "credentials.passphrase": "oci:privateKeyPassword" });
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
    const options = resolveConnection({ configFile: "/tmp/config", region: "iad" }, stack, {}, noFile);
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
    expect(() => resolveConnection({}, {}, env, noFile)).toThrow(
      /OCI_PRIVATE_KEY_PATH: cannot use the key file "\/nope\/key.pem": it cannot be read \(ENOENT\)/,
    );
  });
});
