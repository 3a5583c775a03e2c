// Each Query Service route of the emulator, over HTTP, with requests signed by oci-common.
// Emulator only: the real service's answers for several of these are undocumented.

import { send, signedRequest, withEmulator } from "../helpers/with-emulator.js";

const base = (projectId: string) => `/20210831/projects/${encodeURIComponent(projectId)}/queryExecutions`;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

describe("GetQueryExecution", () => {
  test("answers 200 with an etag and the execution body", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id, etag } = emu.store.addExecution({ name: "nightly", lifecycleState: "IN_PROGRESS" });
      const res = await signedRequest(emu, creds, { path: `${base(projectId)}/${id}` });
      expect(res.status).toBe(200);
      expect(res.headers["etag"]).toBe(etag);
      expect(res.headers["content-type"]).toBe("application/json");
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(
        ["id", "projectId", "name", "lifecycleState", "lifecycleDetails", "timeCreated", "timeUpdated", "sqlText"].sort(),
      );
      expect(body).toMatchObject({ id, projectId, name: "nightly", lifecycleState: "IN_PROGRESS" });
      expect(body.timeCreated).toMatch(RFC3339);
      expect(body.timeUpdated).toMatch(RFC3339);
    });
  });

  test("answers 404 NotAuthorizedOrNotFound for an unknown execution", async () => {
    await withEmulator(async (emu, creds) => {
      const res = await signedRequest(emu, creds, { path: `${base("p1")}/nope` });
      expect(res.status).toBe(404);
      expect(res.json().code).toBe("NotAuthorizedOrNotFound");
    });
  });

  test("decodes percent-encoded path segments", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ projectId: "proj with/slash", id: "exec ü:1" });
      const res = await signedRequest(emu, creds, { path: `${base(projectId)}/${encodeURIComponent(id)}` });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ id: "exec ü:1", projectId: "proj with/slash" });
    });
  });
});

describe("CreateQueryExecution", () => {
  test("creates an ACCEPTED execution and answers 200 with its etag", async () => {
    await withEmulator(async (emu, creds) => {
      const res = await signedRequest(emu, creds, {
        method: "POST",
        path: base("p1"),
        body: JSON.stringify({ sqlText: "SELECT 1 FROM DUAL", name: "first" }),
      });
      expect(res.status).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ projectId: "p1", name: "first", lifecycleState: "ACCEPTED", sqlText: "SELECT 1 FROM DUAL" });
      expect(res.headers["etag"]).toBe(emu.store.get("p1", body.id)?.etag);
    });
  });

  test("answers 400 when sqlText is missing or the body is not JSON", async () => {
    await withEmulator(async (emu, creds) => {
      const missing = await signedRequest(emu, creds, { method: "POST", path: base("p1"), body: "{}" });
      expect([missing.status, missing.json().code]).toEqual([400, "MissingParameter"]);
      const garbage = await signedRequest(emu, creds, { method: "POST", path: base("p1"), body: "{nope" });
      expect([garbage.status, garbage.json().code]).toEqual([400, "CannotParseRequest"]);
    });
  });
});

describe("UpdateQueryExecution", () => {
  test("renames and answers a new etag", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id, etag } = emu.store.addExecution({ name: "old" });
      const res = await signedRequest(emu, creds, { method: "PUT", path: `${base(projectId)}/${id}`, body: JSON.stringify({ name: "new" }) });
      expect(res.status).toBe(200);
      expect(res.json().name).toBe("new");
      expect(res.headers["etag"]).not.toBe(etag);
      expect(emu.store.get(projectId, id)?.name).toBe("new");
    });
  });

  test("answers 412 NoEtagMatch when if-match is stale", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ name: "old" });
      const res = await signedRequest(emu, creds, {
        method: "PUT",
        path: `${base(projectId)}/${id}`,
        body: JSON.stringify({ name: "new" }),
        headers: { "if-match": "stale" },
      });
      expect([res.status, res.json().code]).toEqual([412, "NoEtagMatch"]);
      expect(emu.store.get(projectId, id)?.name).toBe("old");
    });
  });
});

describe("CancelQueryExecution", () => {
  test("answers 202 with no body and moves a running execution to CANCELING", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id, etag } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const res = await signedRequest(emu, creds, { method: "POST", path: `${base(projectId)}/${id}/actions/cancel`, headers: { "if-match": etag } });
      expect(res.status).toBe(202);
      expect(res.text).toBe("");
      expect(emu.store.get(projectId, id)?.lifecycleState).toBe("CANCELING");
      expect(emu.effectiveCancels(id)).toBe(1);
    });
  });

  test("answers 404 NotAuthorizedOrNotFound for an unknown execution", async () => {
    await withEmulator(async (emu, creds) => {
      const res = await signedRequest(emu, creds, { method: "POST", path: `${base("p1")}/ghost/actions/cancel` });
      expect([res.status, res.json().code]).toEqual([404, "NotAuthorizedOrNotFound"]);
      expect(emu.effectiveCancels("ghost")).toBe(0);
    });
  });
});

describe("ClearQueryExecutionResults", () => {
  test("answers 202 for a terminal execution and 409 IncorrectState before that", async () => {
    await withEmulator(async (emu, creds) => {
      const running = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const done = emu.store.addExecution({ lifecycleState: "SUCCEEDED" });
      const early = await signedRequest(emu, creds, { method: "POST", path: `${base(running.projectId)}/${running.id}/actions/clearResults` });
      expect([early.status, early.json().code]).toEqual([409, "IncorrectState"]);
      const ok = await signedRequest(emu, creds, { method: "POST", path: `${base(done.projectId)}/${done.id}/actions/clearResults` });
      expect(ok.status).toBe(202);
      expect(ok.text).toBe("");
    });
  });
});

describe("unknown paths and methods", () => {
  test("answers 404 NotFound for a path with no operation", async () => {
    await withEmulator(async (emu, creds) => {
      for (const path of ["/", "/20210831/projects/p1", `${base("p1")}/x/actions/explode`, "/20211130/projects/p1/queryExecutions"]) {
        const res = await signedRequest(emu, creds, { path });
        expect([path, res.status, res.json().code]).toEqual([path, 404, "NotFound"]);
      }
    });
  });

  test("answers 405 MethodNotAllowed with an allow header for a known path and a wrong method", async () => {
    await withEmulator(async (emu, creds) => {
      const res = await signedRequest(emu, creds, { method: "DELETE", path: `${base("p1")}/x` });
      expect([res.status, res.json().code]).toEqual([405, "MethodNotAllowed"]);
      expect(res.headers["allow"]).toBe("GET, PUT");
      const get = await signedRequest(emu, creds, { path: `${base("p1")}/x/actions/cancel` });
      expect(get.status).toBe(405);
    });
  });
});

describe("opc-request-id", () => {
  test("is on every response: successes, errors, 401s, 404s and admin routes", async () => {
    await withEmulator(async (emu, creds) => {
      emu.faults.add({ operation: "GetQueryExecution", respond: { status: 503 } });
      const { projectId, id } = emu.store.addExecution();
      const responses = [
        await signedRequest(emu, creds, { path: `${base(projectId)}/${id}` }),
        await signedRequest(emu, creds, { path: `${base(projectId)}/${id}` }),
        await signedRequest(emu, creds, { path: `${base(projectId)}/nope` }),
        await signedRequest(emu, creds, { method: "POST", path: `${base(projectId)}/${id}/actions/cancel` }),
        await signedRequest(emu, undefined, { path: `${base(projectId)}/${id}`, unsigned: true }),
        await signedRequest(emu, creds, { path: "/nowhere" }),
        await send(emu, { method: "GET", path: "/_emulator/stats" }),
      ];
      expect(responses.map((r) => r.status)).toEqual([503, 200, 404, 202, 401, 404, 200]);
      for (const r of responses) expect(r.headers["opc-request-id"]).toMatch(/^[0-9A-F]{32}$/);
    });
  });

  test("prefixes the client's opc-request-id when one is sent", async () => {
    await withEmulator(async (emu, creds) => {
      const res = await signedRequest(emu, creds, { path: `${base("p1")}/nope`, headers: { "opc-request-id": "client-42" } });
      expect(res.headers["opc-request-id"]).toMatch(/^client-42\/[0-9A-F]{32}$/);
      expect(emu.requests()[0]!.opcRequestId).toBe(res.headers["opc-request-id"]);
    });
  });
});

describe("error bodies", () => {
  test("are JSON {code, message} within the documented lengths", async () => {
    await withEmulator(async (emu, creds) => {
      const res = await signedRequest(emu, creds, { path: `${base("p".repeat(300))}/x` });
      expect(res.headers["content-type"]).toBe("application/json");
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(["code", "message"]);
      expect(body.code.length).toBeGreaterThanOrEqual(1);
      expect(body.code.length).toBeLessThanOrEqual(255);
      expect(body.message.length).toBeGreaterThanOrEqual(1);
      expect(body.message.length).toBeLessThanOrEqual(1024);
      expect([res.status, body.code]).toEqual([400, "InvalidParameter"]);
    });
  });
});

describe("https", () => {
  test("serves HTTPS with a self-signed certificate for 127.0.0.1 given as emu.ca", async () => {
    await withEmulator(
      async (emu, creds) => {
        expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        expect(emu.ca).toContain("BEGIN CERTIFICATE");
        const { projectId, id } = emu.store.addExecution();
        const res = await signedRequest(emu, creds, { path: `${base(projectId)}/${id}` });
        expect(res.status).toBe(200);
      },
      { https: true },
    );
  });
});
