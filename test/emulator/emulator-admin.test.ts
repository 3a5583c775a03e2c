// The emulator-only admin routes under /_emulator/: no auth, never logged, and no side effects
// except the one each route names.

import { send, signedRequest, withEmulator } from "../helpers/with-emulator.js";
import type { Emulator } from "../../emulator/index.js";

const admin = (emu: Emulator, method: string, path: string, body?: unknown) =>
  send(emu, {
    method,
    path: `/_emulator${path}`,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });

describe("admin routes", () => {
  test("POST /_emulator/executions seeds running executions and GET /_emulator/executions/{id} shows one with its effective cancels", async () => {
    await withEmulator(async (emu, creds) => {
      const seeded = await admin(emu, "POST", "/executions", { projectId: "p9", count: 3, name: "stuck" });
      expect(seeded.status).toBe(200);
      const items = seeded.json().items as { id: string; projectId: string; name: string; lifecycleState: string; etag: string }[];
      expect(items.map((i) => [i.projectId, i.name, i.lifecycleState])).toEqual(Array(3).fill(["p9", "stuck", "IN_PROGRESS"]));
      const id = items[0]!.id;
      await signedRequest(emu, creds, { method: "POST", path: `/20210831/projects/p9/queryExecutions/${id}/actions/cancel` });
      const one = await admin(emu, "GET", `/executions/${encodeURIComponent(id)}`);
      expect(one.json()).toMatchObject({ id, projectId: "p9", lifecycleState: "CANCELING", effectiveCancels: 1 });
      expect((await admin(emu, "GET", "/executions/nope")).status).toBe(404);
      const bad = await admin(emu, "POST", "/executions", { count: 0 });
      expect([bad.status, bad.json().message]).toEqual([400, "count must be an integer 1..1000."]);
    });
  });

  test("POST /_emulator/faults adds a fault, DELETE clears them, and an invalid spec gets 400 naming the field", async () => {
    await withEmulator(async (emu, creds) => {
      const added = await admin(emu, "POST", "/faults", { operation: "GetQueryExecution", times: "Infinity", respond: { status: 500 } });
      expect(added.status).toBe(201);
      expect(added.json().id).toMatch(/^fault-/);
      expect((await signedRequest(emu, creds, { path: "/20210831/projects/p/queryExecutions/x" })).status).toBe(500);
      expect((await admin(emu, "GET", "/faults")).json().items).toHaveLength(1);
      expect((await admin(emu, "DELETE", "/faults")).status).toBe(200);
      expect((await signedRequest(emu, creds, { path: "/20210831/projects/p/queryExecutions/x" })).status).toBe(404);
      const bad = await admin(emu, "POST", "/faults", { respond: { status: "503" } });
      expect([bad.status, bad.json().code]).toEqual([400, "InvalidParameter"]);
      expect(bad.json().message).toMatch(/`respond.status`/);
      const garbage = await send(emu, { method: "POST", path: "/_emulator/faults", body: "{" });
      expect([garbage.status, garbage.json().code]).toEqual([400, "CannotParseRequest"]);
    });
  });

  test("POST /_emulator/rate-limit throttles API requests and DELETE lifts it", async () => {
    await withEmulator(async (emu, creds) => {
      expect((await admin(emu, "POST", "/rate-limit", { requestsPerSecond: 1, retryAfterSeconds: 7, burst: 1 })).status).toBe(200);
      const get = () => signedRequest(emu, creds, { path: "/20210831/projects/p/queryExecutions" });
      expect((await get()).status).toBe(200);
      const limited = await get();
      expect([limited.status, limited.headers["retry-after"]]).toEqual([429, "7"]);
      await admin(emu, "DELETE", "/rate-limit");
      expect((await get()).status).toBe(200);
    });
  });

  test("GET /_emulator/requests lists API requests, optionally of one operation, with authorization redacted", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      await signedRequest(emu, creds, { path: `/20210831/projects/${projectId}/queryExecutions/${id}` });
      await signedRequest(emu, creds, { method: "POST", path: `/20210831/projects/${projectId}/queryExecutions/${id}/actions/cancel` });
      const all = (await admin(emu, "GET", "/requests")).json().items;
      expect(all.map((r: { operation: string }) => r.operation)).toEqual(["GetQueryExecution", "CancelQueryExecution"]);
      const cancels = (await admin(emu, "GET", "/requests?operation=CancelQueryExecution")).json().items;
      expect(cancels).toHaveLength(1);
      expect(cancels[0]).toMatchObject({ method: "POST", status: 202, projectId, queryExecutionId: id, body: "" });
      expect(cancels[0].headers.authorization).toBe("[redacted]");
    });
  });

  test("GET /_emulator/stats counts requests by operation and status", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      await signedRequest(emu, creds, {
        method: "POST",
        path: `/20210831/projects/${projectId}/queryExecutions/${id}/actions/cancel`,
        headers: { "opc-retry-token": "a" },
      });
      await signedRequest(emu, creds, {
        method: "POST",
        path: `/20210831/projects/${projectId}/queryExecutions/${id}/actions/cancel`,
        headers: { "opc-retry-token": "a" },
      });
      const stats = (await admin(emu, "GET", "/stats")).json();
      expect(stats).toMatchObject({
        requests: 2,
        byOperation: { CancelQueryExecution: 2 },
        byStatus: { "202": 2 },
        replays: 1,
        executions: 1,
        effectiveCancels: 1,
        retryTokens: 1,
      });
      expect(stats).toEqual(emu.stats());
    });
  });

  test("POST /_emulator/reset forgets executions and the request log", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId } = emu.store.addExecution();
      await signedRequest(emu, creds, { path: `/20210831/projects/${projectId}/queryExecutions` });
      expect((await admin(emu, "POST", "/reset")).status).toBe(200);
      expect([emu.store.list(projectId), emu.requests()]).toEqual([[], []]);
    });
  });

  test("reading through the admin routes has no side effects and is never logged", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      await signedRequest(emu, creds, { path: `/20210831/projects/${projectId}/queryExecutions/${id}` });
      const before = { log: emu.requests(), stats: emu.stats(), execution: emu.store.get(projectId, id) };
      for (const path of ["/requests", "/stats", `/executions/${id}`, "/faults"]) {
        expect((await admin(emu, "GET", path)).status).toBe(200);
      }
      expect({ log: emu.requests(), stats: emu.stats(), execution: emu.store.get(projectId, id) }).toEqual(before);
    });
  });

  test("answers 404 for an unknown admin route and 405 for a wrong method", async () => {
    await withEmulator(async (emu) => {
      expect((await admin(emu, "GET", "/nothing")).status).toBe(404);
      const wrong = await admin(emu, "GET", "/reset");
      expect([wrong.status, wrong.headers["allow"]]).toEqual([405, "POST"]);
    });
  });
});
