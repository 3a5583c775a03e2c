// Request-signature checks (OCI signature v1). Requests are signed by oci-common, or by hand where
// a test needs a signature oci-common would never make; the emulator's verifier is independent
// of both. The rules follow OCI's signing docs (query-service-api.md §8.1).

import { generateKeyPairSync, sign } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ConfigFileAuthenticationDetailsProvider } from "oci-common";
import { keyFingerprint } from "../../emulator/credentials.js";
import { signedRequest, send, withEmulator } from "../helpers/with-emulator.js";
import type { EmulatorCredentials } from "../../emulator/index.js";

const getPath = (projectId: string, id: string) => `/20210831/projects/${projectId}/queryExecutions/${id}`;

/** A signature built from the draft-cavage-08 rules alone, over exactly the headers named. */
function handSign(creds: EmulatorCredentials, method: string, path: string, headers: Record<string, string>, names: string[]): string {
  const lines = names.map((h) => (h === "(request-target)" ? `(request-target): ${method.toLowerCase()} ${path}` : `${h}: ${headers[h]}`));
  const signature = sign("sha256", Buffer.from(lines.join("\n")), creds.privateKeyPem).toString("base64");
  return `Signature version="1",keyId="${creds.keyId}",algorithm="rsa-sha256",headers="${names.join(" ")}",signature="${signature}"`;
}

describe("signature verification", () => {
  test("accepts a request signed by oci-common from the written OCI config file", async () => {
    await withEmulator(async (emu, creds) => {
      const provider = new ConfigFileAuthenticationDetailsProvider(creds.configFile, creds.profile);
      expect(await provider.getKeyId()).toBe(creds.keyId);
      const { projectId, id } = emu.store.addExecution();
      const res = await signedRequest(emu, creds, { path: getPath(projectId, id) });
      expect(res.status).toBe(200);
    });
  });

  test("accepts a hand-made signature that follows the spec, independently of oci-common", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      const path = getPath(projectId, id);
      const headers = { date: new Date(emu.clock.now()).toUTCString(), host: new URL(emu.url).host };
      const authorization = handSign(creds, "GET", path, headers, ["date", "(request-target)", "host"]);
      const res = await send(emu, { method: "GET", path, headers: { ...headers, authorization } });
      expect(res.status).toBe(200);
    });
  });

  test("answers 401 when the body was changed after signing", async () => {
    await withEmulator(async (emu, creds) => {
      const res = await signedRequest(emu, creds, {
        method: "POST",
        path: "/20210831/projects/p1/queryExecutions",
        body: JSON.stringify({ sqlText: "SELECT 1 FROM DUAL" }),
        afterSigning: (r) => (r.body = JSON.stringify({ sqlText: "DROP TABLE t;  --x" })),
      });
      expect([res.status, res.json().code]).toEqual([401, "NotAuthenticated"]);
      expect(res.json().message).toMatch(/x-content-sha256/);
      expect(emu.store.list("p1")).toEqual([]);
    });
  });

  test("answers 401 when the path was changed after signing", async () => {
    await withEmulator(async (emu, creds) => {
      const a = emu.store.addExecution();
      const b = emu.store.addExecution();
      const res = await signedRequest(emu, creds, {
        method: "POST",
        path: `${getPath(a.projectId, a.id)}/actions/cancel`,
        afterSigning: (r) => (r.path = `${getPath(b.projectId, b.id)}/actions/cancel`),
      });
      expect([res.status, res.json().code]).toEqual([401, "NotAuthenticated"]);
      expect(res.json().message).toMatch(/does not verify/);
      expect(emu.effectiveCancels(b.id)).toBe(0);
    });
  });

  test("answers 401 for a signature made with another key under a registered keyId", async () => {
    await withEmulator(async (emu, creds) => {
      const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
      const res = await signedRequest(emu, { ...creds, privateKeyPem: other }, { path: getPath("p1", "x") });
      expect([res.status, res.json().code]).toEqual([401, "NotAuthenticated"]);
      expect(res.json().message).toMatch(/does not verify with the registered public key/);
    });
  });

  test("answers 401 for an unregistered keyId", async () => {
    await withEmulator(async (emu, creds) => {
      const stranger = { ...creds, user: "ocid1.user.oc1..stranger" };
      const res = await signedRequest(emu, stranger, { path: getPath("p1", "x") });
      expect([res.status, res.json().code]).toEqual([401, "NotAuthenticated"]);
      expect(res.json().message).toMatch(/is not registered/);
    });
  });

  test("answers 401 for a date more than 5 minutes from the emulator clock, and accepts one within", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      const now = emu.clock.now();
      const stale = await signedRequest(emu, creds, { path: getPath(projectId, id), date: now - 6 * 60 * 1000 });
      expect([stale.status, stale.json().code]).toEqual([401, "NotAuthenticated"]);
      expect(stale.json().message).toMatch(/x-date header is \d+ s away/);
      const ahead = await signedRequest(emu, creds, { path: getPath(projectId, id), date: now + 6 * 60 * 1000 });
      expect(ahead.status).toBe(401);
      const slightlyOff = await signedRequest(emu, creds, { path: getPath(projectId, id), date: now - 4 * 60 * 1000 });
      expect(slightlyOff.status).toBe(200);
    });
  });

  test("answers 401 when a GET's signature does not cover host", async () => {
    await withEmulator(async (emu, creds) => {
      const path = getPath("p1", "x");
      const headers = { "x-date": new Date(emu.clock.now()).toUTCString(), host: new URL(emu.url).host };
      const authorization = handSign(creds, "GET", path, headers, ["x-date", "(request-target)"]);
      const res = await send(emu, { method: "GET", path, headers: { ...headers, authorization } });
      expect([res.status, res.json().message]).toEqual([401, "The signature must cover host."]);
    });
  });

  test("answers 401 when a POST's signature does not cover x-content-sha256", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      const path = `${getPath(projectId, id)}/actions/cancel`;
      const headers = {
        "x-date": new Date(emu.clock.now()).toUTCString(),
        host: new URL(emu.url).host,
        "content-type": "application/json",
        "content-length": "0",
      };
      const authorization = handSign(creds, "POST", path, headers, ["x-date", "(request-target)", "host", "content-type", "content-length"]);
      const res = await send(emu, { method: "POST", path, headers: { ...headers, authorization } });
      expect([res.status, res.json().message]).toEqual([401, "The signature of a POST must cover x-content-sha256."]);
      expect(emu.effectiveCancels(id)).toBe(0);
    });
  });

  test("answers 401 when a signed header is missing from the request", async () => {
    await withEmulator(async (emu, creds) => {
      const res = await signedRequest(emu, creds, {
        path: getPath("p1", "x"),
        afterSigning: (r) => {
          r.headers["date"] = r.headers["x-date"]!;
          delete r.headers["x-date"];
        },
      });
      expect(res.status).toBe(401);
      expect(res.json().message).toMatch(/x-date was not in the request/);
    });
  });

  test("answers 401 for an unsigned request and a non-Signature scheme", async () => {
    await withEmulator(async (emu) => {
      const none = await send(emu, { method: "GET", path: getPath("p1", "x") });
      expect([none.status, none.json().message]).toEqual([401, "The request has no authorization header."]);
      const basic = await send(emu, { method: "GET", path: getPath("p1", "x"), headers: { authorization: "Basic dXNlcjpwdw==" } });
      expect(basic.status).toBe(401);
    });
  });

  test("never echoes the signature and redacts authorization in the request log", async () => {
    await withEmulator(async (emu, creds) => {
      let authorization = "";
      const res = await signedRequest(emu, creds, {
        path: getPath("p1", "x"),
        afterSigning: (r) => {
          r.path = getPath("p1", "y");
          authorization = r.headers["authorization"]!;
        },
      });
      const signature = /signature="([^"]+)"/.exec(authorization)![1]!;
      expect(res.text).not.toContain(signature.slice(0, 20));
      const [logged] = emu.requests();
      expect(logged!.headers["authorization"]).toBe("[redacted]");
      expect(JSON.stringify(logged)).not.toContain(signature.slice(0, 20));
    });
  });

  test("checks the signature before faults: a bad signature gets 401 and leaves the fault unused", async () => {
    await withEmulator(async (emu, creds) => {
      emu.faults.add({ respond: { status: 503 } });
      const res = await send(emu, { method: "GET", path: getPath("p1", "x") });
      expect(res.status).toBe(401);
      expect(emu.faults.list()).toHaveLength(1);
      expect((await signedRequest(emu, creds, { path: getPath("p1", "x") })).status).toBe(503);
    });
  });

  test("accepts unsigned requests when auth is off", async () => {
    await withEmulator(
      async (emu) => {
        const { projectId, id } = emu.store.addExecution();
        expect((await send(emu, { method: "GET", path: getPath(projectId, id) })).status).toBe(200);
      },
      { auth: "off" },
    );
  });
});

describe("credentials", () => {
  test("computes the OCI fingerprint as the MD5 of the DER public key (checked against openssl)", () => {
    const pem = [
      "-----BEGIN PUBLIC KEY-----",
      "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAorr8SJF4K2VYTIzFVCM2",
      "BXXOOp/K5IIriQbQBztRTcrO2DUrF1LHEdxYe6cEb9D45EV/A46mzSSFE1Ny273d",
      "fnz+wSIaUdUi3+fdPzEgUxsftPRSb1ih2swPoCHzx6NE8aLL5007y0wEvlRV4UwY",
      "u1KnKtarv9sKc/BJFG1gk3qGRliLMsxkOfsxLuO8y4vUxkpPbeqev+lBysImiXFB",
      "oVNpJFDqbczbT5SP5ll6rO/yxErQLfpYKFTAhKc0AEE9+ckrm+xBGzqHgp2O6Npn",
      "F1qggImNzD5uk9OKmjraP1SVBGhjYyuF7sgYBfEYeSUP2/KkU4cQRUpXI5hJB2hK",
      "NQIDAQAB",
      "-----END PUBLIC KEY-----",
    ].join("\n");
    // `openssl rsa -pubout -outform DER | openssl md5 -c` of the same key.
    expect(keyFingerprint(pem)).toBe("6e:1b:fe:c1:05:51:0f:70:cd:86:6c:12:dc:ed:dc:90");
  });

  test("writes an OCI config file whose DEFAULT profile names the key, fingerprint, tenancy, user and region", async () => {
    await withEmulator(async (_emu, creds) => {
      const text = await readFile(creds.configFile, "utf8");
      expect(text).toContain("[DEFAULT]");
      for (const line of [
        `user=${creds.user}`,
        `fingerprint=${creds.fingerprint}`,
        `tenancy=${creds.tenancy}`,
        `key_file=${creds.keyFile}`,
        "region=us-ashburn-1",
      ]) {
        expect(text).toContain(line);
      }
      expect(creds.fingerprint).toBe(keyFingerprint(creds.publicKeyPem));
      expect(creds.keyId).toBe(`${creds.tenancy}/${creds.user}/${creds.fingerprint}`);
    });
  });

  test("a passphrase-protected key signs requests the emulator accepts", async () => {
    await withEmulator(
      async (emu, creds) => {
        expect(await readFile(creds.keyFile, "utf8")).toContain("ENCRYPTED PRIVATE KEY");
        expect(await readFile(creds.configFile, "utf8")).toContain("pass_phrase=correct horse");
        const provider = new ConfigFileAuthenticationDetailsProvider(creds.configFile, creds.profile);
        expect(provider.getPassphrase()).toBe("correct horse");
        expect((await signedRequest(emu, creds, { path: getPath("p1", "x") })).status).toBe(404);
      },
      { credentials: { passphrase: "correct horse" } },
    );
  });

  test("a SecurityToken profile signs with keyId ST$<token> and the emulator accepts it", async () => {
    await withEmulator(
      async (emu, creds) => {
        expect(creds.keyId).toBe(`ST$${creds.securityToken}`);
        expect(await readFile(creds.configFile, "utf8")).toContain(`security_token_file=${creds.securityTokenFile}`);
        const res = await signedRequest(emu, creds, { path: getPath("p1", "x") });
        expect(res.status).toBe(404);
        const path = getPath("p1", "x");
        const headers = { "x-date": new Date(emu.clock.now()).toUTCString(), host: new URL(emu.url).host };
        const forgedToken = "eyJmb3JnZWQiOnRydWV9.forged-session-token";
        const authorization = handSign({ ...creds, keyId: `ST$${forgedToken}` }, "GET", path, headers, ["x-date", "(request-target)", "host"]);
        const forged = await send(emu, { method: "GET", path, headers: { ...headers, authorization } });
        expect(forged.status).toBe(401);
        expect(forged.json().message).toMatch(/session token \(ST\$\.\.\.\) is not registered/);
        expect(forged.text).not.toContain("forged-session-token");
      },
      { credentials: { securityToken: true } },
    );
  });
});
