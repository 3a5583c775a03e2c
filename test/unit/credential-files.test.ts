// The local files credentials come from: only regular files of a bounded size (a named pipe would
// block the whole process, since oci-common and the SDK read them synchronously), and the OCI
// config file read as the OCI CLI reads it.

import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadAuthProvider } from "../../provider/client/auth";
import { ConfigurationError } from "../../provider/client/errors";
import { MAX_LOCAL_FILE_BYTES } from "../../provider/client/local-file";
import { resolveConnection } from "../../provider/connection";
import { rejection } from "../helpers/rejection";

const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();

let dir: string;
const writers: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "credential-files-"));
});
afterEach(() => {
  // Each writer is a process group of its own (detached): end it and its blocked redirection.
  for (const writer of writers.splice(0)) {
    try {
      process.kill(-writer.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const profile = (name: string, keyFile: string) =>
  `[${name}]\nuser=ocid1.user.oc1..${name}\nfingerprint=aa:bb\ntenancy=ocid1.tenancy.oc1..t\nregion=us-ashburn-1\nkey_file=${keyFile}\n`;

/**
 * A named pipe that, after a moment, serves `source` to every reader, as a process on the machine
 * might. Code that reads it synchronously blocks until then and gets a valid file, so without the
 * rule the test sees success (not a hang); with it, the pipe is refused at once.
 */
function namedPipe(name: string, source: string): string {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  const writer = spawn("sh", ["-c", 'sleep 2; while :; do cat "$0" > "$1"; done', source, path], { detached: true, stdio: "ignore" });
  writers.push(writer);
  return path;
}

const failure = (promise: Promise<unknown>): Promise<ConfigurationError> => rejection(promise, ConfigurationError);

describe("files that are not regular files", () => {
  test("refuses a named pipe as the config file at once, naming the setting it came from", async () => {
    const config = namedPipe("config", file("real-config", profile("DEFAULT", file("key.pem", pem))));
    const e = await failure(loadAuthProvider({}, { env: { OCI_CONFIG_FILE: config } }));
    expect([e.setting, e.message]).toEqual([
      "OCI_CONFIG_FILE",
      `OCI config file ${config} (from OCI_CONFIG_FILE) cannot be used: it is a named pipe (FIFO), not a regular file; point that setting at a regular file.`,
    ]);
  });

  test("refuses a named pipe as key_file, naming the profile and where the config file came from", async () => {
    const config = file("config", profile("DEFAULT", namedPipe("key.pem", file("real-key.pem", pem))));
    const e = await failure(loadAuthProvider({ configFile: config, names: { configFile: "queryservice:configFile" } }, { env: {} }));
    expect(e.setting).toBe("queryservice:configFile");
    expect(e.message).toBe(
      `profile [DEFAULT] of ${config} (from stack config queryservice:configFile): key_file ${join(dir, "key.pem")} cannot be used: it is a named pipe (FIFO), not a regular file.`,
    );
  });

  test("follows a link to a regular file, and refuses a link to a named pipe", async () => {
    const key = file("key.pem", pem);
    symlinkSync(key, join(dir, "key-link.pem"));
    const linked = await loadAuthProvider({ configFile: file("config", profile("DEFAULT", join(dir, "key-link.pem"))) }, { env: {} });
    expect(await linked.getKeyId()).toBe("ocid1.tenancy.oc1..t/ocid1.user.oc1..DEFAULT/aa:bb");
    symlinkSync(namedPipe("pipe", file("real-config", profile("DEFAULT", key))), join(dir, "config-link"));
    const e = await failure(loadAuthProvider({ configFile: join(dir, "config-link") }, { env: {} }));
    expect(e.message).toContain("cannot be used: it is a named pipe (FIFO), not a regular file");
  });

  test("refuses a named pipe given as the config file whose region the endpoint would come from", () => {
    const config = namedPipe("config", file("real-config", profile("DEFAULT", file("key.pem", pem))));
    expect(() => resolveConnection({}, { "queryservice:configFile": config }, {})).toThrow(
      expect.objectContaining({ setting: "queryservice:configFile", message: expect.stringContaining("it is a named pipe (FIFO), not a regular file") }),
    );
  });

  test("refuses a named pipe as OCI_PRIVATE_KEY_PATH", () => {
    const env = {
      OCI_PRIVATE_KEY_PATH: namedPipe("key.pem", file("real-key.pem", pem)),
      OCI_TENANCY_OCID: "t",
      OCI_USER_OCID: "u",
      OCI_FINGERPRINT: "f",
      OCI_REGION: "iad",
    };
    expect(() => resolveConnection({}, {}, env)).toThrow(
      `OCI_PRIVATE_KEY_PATH: cannot use the key file ${JSON.stringify(env.OCI_PRIVATE_KEY_PATH)}: it is a named pipe (FIFO), not a regular file.`,
    );
  });

  test("refuses a config file larger than the bound, without reading it all", async () => {
    const padding = `# ${"x".repeat(1000)}\n`.repeat(Math.ceil(MAX_LOCAL_FILE_BYTES / 1000));
    const config = file("config", profile("DEFAULT", file("key.pem", pem)) + padding);
    const e = await failure(loadAuthProvider({ configFile: config }, { env: {} }));
    expect(e.message).toBe(
      `OCI config file ${config} (from the configFile setting) cannot be used: it is larger than ${MAX_LOCAL_FILE_BYTES} bytes, too large for a credentials file; point that setting at a regular file.`,
    );
  });
});

describe("the OCI config file format", () => {
  test("accepts ; comments, key: value lines and keys in any case, as the OCI CLI does", async () => {
    const key = file("key.pem", pem);
    const config = file(
      "config",
      `; written by hand\n[DEFAULT]\n; the user\nUser: ocid1.user.oc1..u\nfingerprint = aa:bb\ntenancy=ocid1.tenancy.oc1..t\nregion=us-ashburn-1\nkey_file=${key}\n`,
    );
    const provider = await loadAuthProvider({ configFile: config }, { env: {} });
    expect(await provider.getKeyId()).toBe("ocid1.tenancy.oc1..t/ocid1.user.oc1..u/aa:bb");
  });

  test("names the line it cannot parse, without quoting it", async () => {
    const secretLine = "MIIEowIBAAKCAQEA-not-a-setting";
    const config = file("config", `[DEFAULT]\n# fine\n${secretLine}\n`);
    const e = await failure(loadAuthProvider({ configFile: config }, { env: {} }));
    expect(e.message).toBe(
      `OCI config file ${config} (from the configFile setting) is not a valid OCI config file: line 3 is neither a [PROFILE] header, a key=value line nor a comment (# or ;).`,
    );
  });

  test("lists the profiles the file has when the one asked for is missing", async () => {
    const key = file("key.pem", pem);
    const config = file("config", profile("DEFAULT", key) + profile("DEV", key) + profile("ops", key));
    const e = await failure(loadAuthProvider({ configFile: config }, { env: { OCI_CLI_PROFILE: "PROD" } }));
    expect([e.setting, e.message]).toEqual([
      "OCI_CLI_PROFILE",
      `OCI config file ${config} (from the configFile setting) has no profile [PROD] (from OCI_CLI_PROFILE); it has [DEFAULT], [DEV], [ops]: name one of those.`,
    ]);
  });

  test("says which settings can point at a config file when the default one is missing", async () => {
    const e = await failure(loadAuthProvider({}, { env: {}, home: dir }));
    expect(e.message).toBe(
      `OCI config file ${join(dir, ".oci", "config")} (the default) does not exist; create it with "oci setup config", or point ` +
        "the configFile input, stack config queryservice:configFile, or OCI_CLI_CONFIG_FILE / OCI_CONFIG_FILE at another file.",
    );
  });
});
