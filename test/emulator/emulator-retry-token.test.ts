// opc-retry-token memory. The 24 h lifetime is documented; answering 409 InvalidatedRetryToken
// for a token reused on a different request is the emulator's choice (emulator/retry-tokens.ts).

import { manualClock } from "../../emulator/index.js";
import { signedRequest, withEmulator } from "../helpers/with-emulator.js";

const cancelPath = (projectId: string, id: string) => `/20210831/projects/${projectId}/queryExecutions/${id}/actions/cancel`;

describe("opc-retry-token", () => {
  test("replays a cancel with the same retry token without a second effect", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id, etag } = emu.store.addExecution();
      const send = () =>
        signedRequest(emu, creds, { method: "POST", path: cancelPath(projectId, id), headers: { "opc-retry-token": "t-1", "if-match": etag } });
      const first = await send();
      const etagAfter = emu.store.get(projectId, id)?.etag;
      const second = await send();
      expect([first.status, second.status]).toEqual([202, 202]);
      expect(second.headers["opc-request-id"]).not.toBe(first.headers["opc-request-id"]);
      expect(emu.effectiveCancels(id)).toBe(1);
      expect(emu.store.get(projectId, id)?.etag).toBe(etagAfter);
      expect(emu.requests("CancelQueryExecution").map((r) => r.replayed ?? false)).toEqual([false, true]);
    });
  });

  test("replays a create with the same token: the same execution, not a second one", async () => {
    await withEmulator(async (emu, creds) => {
      const create = () =>
        signedRequest(emu, creds, {
          method: "POST",
          path: "/20210831/projects/p1/queryExecutions",
          body: JSON.stringify({ sqlText: "SELECT 1 FROM DUAL" }),
          headers: { "opc-retry-token": "create-1" },
        });
      const a = await create();
      const b = await create();
      expect(b.json().id).toBe(a.json().id);
      expect(b.headers["etag"]).toBe(a.headers["etag"]);
      expect(emu.store.list("p1")).toHaveLength(1);
    });
  });

  test("refuses the same token on a different request with 409 InvalidatedRetryToken", async () => {
    await withEmulator(async (emu, creds) => {
      const a = emu.store.addExecution();
      const b = emu.store.addExecution();
      await signedRequest(emu, creds, { method: "POST", path: cancelPath(a.projectId, a.id), headers: { "opc-retry-token": "t-1" } });
      const other = await signedRequest(emu, creds, { method: "POST", path: cancelPath(b.projectId, b.id), headers: { "opc-retry-token": "t-1" } });
      expect([other.status, other.json().code]).toEqual([409, "InvalidatedRetryToken"]);
      expect(emu.effectiveCancels(b.id)).toBe(0);
      const otherIfMatch = await signedRequest(emu, creds, {
        method: "POST",
        path: cancelPath(a.projectId, a.id),
        headers: { "opc-retry-token": "t-1", "if-match": "something-else" },
      });
      expect(otherIfMatch.status).toBe(409);
    });
  });

  test("forgets a token after 24 hours of the emulator clock", async () => {
    const clock = manualClock();
    await withEmulator(
      async (emu, creds) => {
        const { projectId, id } = emu.store.addExecution();
        const send = () => signedRequest(emu, creds, { method: "POST", path: cancelPath(projectId, id), headers: { "opc-retry-token": "t-1" } });
        await send(); // -> CANCELING
        clock.advance(24 * 3600 * 1000 - 1);
        expect((await send()).status).toBe(202); // replayed, though the execution is CANCELED by now
        expect(emu.effectiveCancels(id)).toBe(1);
        clock.advance(1);
        const late = await send();
        expect([late.status, late.json().code]).toEqual([409, "Conflict"]); // a new request against a CANCELED execution
        expect(emu.requests("CancelQueryExecution").map((r) => r.replayed ?? false)).toEqual([false, true, false]);
      },
      { clock, cancelDelayMs: 1000 },
    );
  });

  test("does not remember an error answer: the same token works once the request can succeed", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      emu.faults.add({ operation: "CancelQueryExecution", respond: { status: 503 } });
      const send = () => signedRequest(emu, creds, { method: "POST", path: cancelPath(projectId, id), headers: { "opc-retry-token": "t-1" } });
      expect((await send()).status).toBe(503);
      expect((await send()).status).toBe(202);
      expect(emu.effectiveCancels(id)).toBe(1);
    });
  });

  test("answers 400 InvalidParameter for a token longer than 64 characters", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      const res = await signedRequest(emu, creds, { method: "POST", path: cancelPath(projectId, id), headers: { "opc-retry-token": "x".repeat(65) } });
      expect([res.status, res.json().code]).toEqual([400, "InvalidParameter"]);
      expect(res.json().message).toMatch(/opc-retry-token/);
    });
  });
});
