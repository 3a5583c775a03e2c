// The request log is bounded: a ring of the last requestLogSize requests with bodies cut short,
// while stats count every request from counters, so neither grows with the emulator's uptime.

import { manualClock } from "../../emulator/index.js";
import { send, signedRequest, withEmulator } from "../helpers/with-emulator.js";

const getPath = (projectId: string, id: string) => `/20210831/projects/${projectId}/queryExecutions/${id}`;

describe("request log", () => {
  test("keeps only the last requestLogSize requests, while stats count every one", async () => {
    await withEmulator(
      async (emu, creds) => {
        const { projectId } = emu.store.addExecution();
        for (const id of ["a", "b", "c", "d", "e"]) await signedRequest(emu, creds, { path: getPath(projectId, id) });
        expect(emu.requests().map((r) => r.queryExecutionId)).toEqual(["c", "d", "e"]);
        expect((await send(emu, { method: "GET", path: "/_emulator/requests" })).json().items).toHaveLength(3);
        expect(emu.stats()).toMatchObject({ requests: 5, byOperation: { GetQueryExecution: 5 }, byStatus: { "404": 5 } });
      },
      { requestLogSize: 3 },
    );
  });

  test("keeps the first 4096 characters of a body and its full size in bytes", async () => {
    await withEmulator(async (emu, creds) => {
      const sqlText = `SELECT '${"é".repeat(10_000)}' FROM DUAL`;
      const body = JSON.stringify({ sqlText });
      await signedRequest(emu, creds, { method: "POST", path: "/20210831/projects/p/queryExecutions", body, headers: { "content-type": "application/json" } });
      const [entry] = emu.requests("CreateQueryExecution");
      expect(entry!.body).toBe(body.slice(0, 4096));
      expect(entry!.bodyBytes).toBe(Buffer.byteLength(body));
    });
  });

  test("keeps nothing with requestLogSize 0, and counts still", async () => {
    await withEmulator(
      async (emu, creds) => {
        await signedRequest(emu, creds, { path: getPath("p", "x") });
        expect([emu.requests(), emu.stats().requests]).toEqual([[], 1]);
      },
      { requestLogSize: 0 },
    );
  });

  test("refuses a requestLogSize that is not a whole number", async () => {
    await expect(withEmulator(async () => undefined, { requestLogSize: 2.5 })).rejects.toThrow(
      /`requestLogSize` to be a whole number >= 0 or Infinity; got 2.5/,
    );
  });

  test("stats count only the retry tokens not yet expired", async () => {
    const clock = manualClock();
    await withEmulator(
      async (emu, creds) => {
        const first = emu.store.addExecution();
        const second = emu.store.addExecution();
        const cancel = (e: { projectId: string; id: string }, token: string) =>
          signedRequest(emu, creds, { method: "POST", path: `${getPath(e.projectId, e.id)}/actions/cancel`, headers: { "opc-retry-token": token } });
        await cancel(first, "t-1");
        clock.advance(60_000);
        await cancel(second, "t-2");
        expect(emu.stats().retryTokens).toBe(2);
        clock.advance(24 * 3600 * 1000 - 30_000); // t-1 expired, t-2 not yet
        expect(emu.stats().retryTokens).toBe(1);
        expect(emu.stats().effectiveCancels).toBe(2);
      },
      { clock },
    );
  });
});
