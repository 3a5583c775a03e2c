// How check reports a connection setting it refuses. The engine prints a failure's property as a
// resource input with its value ("property OCI_CONFIG_FILE value {<nil>} has a problem: …" when the
// property is not an input), so a failure names an input only when that input holds the value.

import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createImplementation, type Implementation } from "../../provider/implementation";

const ids = { projectId: "ocid1.queryserviceproject.oc1.iad.emulator", queryExecutionId: "ocid1.queryexecution.oc1.iad.e1", endpoint: "http://127.0.0.1:9" };
const missing = "/nonexistent/oci/config";

let implementation: Implementation;
const saved = {
  OCI_CONFIG_FILE: process.env.OCI_CONFIG_FILE,
  OCI_CLI_CONFIG_FILE: process.env.OCI_CLI_CONFIG_FILE,
  OCI_CLI_PROFILE: process.env.OCI_CLI_PROFILE,
};
beforeEach(() => {
  implementation = createImplementation({ log: () => undefined });
  for (const name of Object.keys(saved)) delete process.env[name];
});
afterEach(() => {
  implementation.close();
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const configure = (values: Record<string, string>) => implementation.configure({ config: { get: (key: string) => values[key] } } as never);

test("a config file from stack config is the resource's failure, its message naming the key", async () => {
  await configure({ "queryservice:configFile": missing });
  expect((await implementation.check({}, ids)).failures).toEqual([
    {
      property: "",
      reason: expect.stringMatching(/^OCI config file \/nonexistent\/oci\/config \(from stack config queryservice:configFile\) does not exist;/),
    },
  ]);
});

test("a config file from OCI_CONFIG_FILE is the resource's failure, its message naming the variable", async () => {
  process.env.OCI_CONFIG_FILE = missing;
  expect((await implementation.check({}, ids)).failures).toEqual([
    { property: "", reason: expect.stringMatching(/^OCI config file \/nonexistent\/oci\/config \(from OCI_CONFIG_FILE\) does not exist;/) },
  ]);
});

test("a config file from the configFile input is that input's failure", async () => {
  expect((await implementation.check({}, { ...ids, configFile: missing })).failures).toEqual([
    { property: "configFile", reason: expect.stringMatching(/^OCI config file \/nonexistent\/oci\/config \(from the configFile setting\) does not exist;/) },
  ]);
});

test("a profile from OCI_CLI_PROFILE is the resource's failure, and from the profile input that input's", async () => {
  const dir = mkdtempSync(join(tmpdir(), "check-failures-"));
  try {
    const key = join(dir, "key.pem");
    writeFileSync(key, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }));
    const configFile = join(dir, "config");
    writeFileSync(configFile, `[DEFAULT]\nuser=u\nfingerprint=f\ntenancy=t\nkey_file=${key}\n`);
    process.env.OCI_CLI_PROFILE = "PROD";
    expect((await implementation.check({}, { ...ids, configFile })).failures).toEqual([
      { property: "", reason: expect.stringContaining("has no profile [PROD] (from OCI_CLI_PROFILE); it has [DEFAULT]") },
    ]);
    expect((await implementation.check({}, { ...ids, configFile, profile: "STAGE" })).failures).toEqual([
      { property: "profile", reason: expect.stringContaining("has no profile [STAGE] (from the profile setting); it has [DEFAULT]") },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an auth kind from stack config is the resource's failure, its message naming the key", async () => {
  await configure({ "oci:auth": "password" });
  expect((await implementation.check({}, ids)).failures).toEqual([
    { property: "", reason: expect.stringMatching(/^oci:auth: one of ApiKey, .* expected; got "password"$/) },
  ]);
});
