// Lifecycle steps, etags and cancel semantics, on a manual clock. Emulator only: the real
// service's cancel states (CANCELING -> CANCELED) and its answer for a terminal execution are
// undocumented; the emulator's choices are documented in emulator/routes.ts.

import { manualClock, startEmulator } from "../../emulator/index.js";
import { signedRequest, withEmulator } from "../helpers/with-emulator.js";

const path = (projectId: string, id: string, action?: string) =>
  `/20210831/projects/${encodeURIComponent(projectId)}/queryExecutions/${encodeURIComponent(id)}${action ? `/actions/${action}` : ""}`;

describe("lifecycle", () => {
  test("a created execution goes ACCEPTED -> IN_PROGRESS -> SUCCEEDED as the clock passes each duration", async () => {
    const clock = manualClock();
    await withEmulator(
      async (emu, creds) => {
        const created = await signedRequest(emu, creds, {
          method: "POST",
          path: "/20210831/projects/p1/queryExecutions",
          body: JSON.stringify({ sqlText: "SELECT 1 FROM DUAL" }),
        });
        const { id } = created.json();
        const seen: string[] = [];
        for (const step of [0, 999, 1, 4999, 1]) {
          clock.advance(step);
          seen.push((await signedRequest(emu, creds, { path: path("p1", id) })).json().lifecycleState);
        }
        expect(seen).toEqual(["ACCEPTED", "ACCEPTED", "IN_PROGRESS", "IN_PROGRESS", "SUCCEEDED"]);
      },
      { clock, lifecycle: { acceptedMs: 1000, runningMs: 5000 } },
    );
  });

  test("an added IN_PROGRESS execution runs until cancelled by default, or for runForMs", async () => {
    const clock = manualClock();
    await withEmulator(
      async (emu) => {
        const forever = emu.store.addExecution();
        const short = emu.store.addExecution({ runForMs: 10 });
        clock.advance(365 * 24 * 3600 * 1000);
        expect(emu.store.get(forever.projectId, forever.id)?.lifecycleState).toBe("IN_PROGRESS");
        expect(emu.store.get(short.projectId, short.id)?.lifecycleState).toBe("SUCCEEDED");
      },
      { clock },
    );
  });

  test("timeUpdated is the time each step was due, not the time it was observed", async () => {
    const clock = manualClock(Date.parse("2026-01-01T00:00:00Z"));
    await withEmulator(
      async (emu) => {
        const { projectId, id } = emu.store.addExecution({ runForMs: 60_000 });
        clock.advance(3_600_000);
        expect(emu.store.get(projectId, id)).toMatchObject({ lifecycleState: "SUCCEEDED", timeUpdated: "2026-01-01T00:01:00.000Z" });
      },
      { clock },
    );
  });
});

describe("etags", () => {
  test("change on every state change, including the lazy ones, and on a rename, and not otherwise", async () => {
    const clock = manualClock();
    await withEmulator(
      async (emu, creds) => {
        const { projectId, id, etag: e0 } = emu.store.addExecution({ lifecycleState: "ACCEPTED" });
        const etag = async () => (await signedRequest(emu, creds, { path: path(projectId, id) })).headers["etag"];
        expect(await etag()).toBe(e0);
        clock.advance(100); // ACCEPTED -> IN_PROGRESS
        const e1 = await etag();
        expect(await etag()).toBe(e1); // a read is not a change
        await signedRequest(emu, creds, { method: "POST", path: path(projectId, id, "cancel") }); // -> CANCELING
        const e2 = await etag();
        clock.advance(50); // -> CANCELED
        const e3 = await etag();
        emu.store.rename(projectId, id, "renamed");
        const e4 = await etag();
        emu.store.setState(projectId, id, "FAILED");
        const e5 = await etag();
        expect(new Set([e0, e1, e2, e3, e4, e5]).size).toBe(6);
      },
      { clock, lifecycle: { acceptedMs: 100 }, cancelDelayMs: 50 },
    );
  });
});

describe("cancel", () => {
  test("CANCELING becomes CANCELED after cancelDelayMs on a manual clock", async () => {
    const clock = manualClock();
    await withEmulator(
      async (emu, creds) => {
        const { projectId, id } = emu.store.addExecution();
        expect((await signedRequest(emu, creds, { method: "POST", path: path(projectId, id, "cancel") })).status).toBe(202);
        clock.advance(1999);
        expect(emu.store.get(projectId, id)?.lifecycleState).toBe("CANCELING");
        clock.advance(1);
        expect((await signedRequest(emu, creds, { path: path(projectId, id) })).json().lifecycleState).toBe("CANCELED");
      },
      { clock, cancelDelayMs: 2000 },
    );
  });

  test("answers 409 Conflict for an execution that is already terminal, without an effect", async () => {
    await withEmulator(async (emu, creds) => {
      for (const state of ["SUCCEEDED", "FAILED", "CANCELED"]) {
        const { projectId, id, etag } = emu.store.addExecution({ lifecycleState: state });
        const res = await signedRequest(emu, creds, { method: "POST", path: path(projectId, id, "cancel") });
        expect([state, res.status, res.json().code]).toEqual([state, 409, "Conflict"]);
        expect(emu.store.get(projectId, id)?.etag).toBe(etag);
        expect(emu.effectiveCancels(id)).toBe(0);
      }
    });
  });

  test("answers 412 NoEtagMatch when if-match is not the current etag, and applies nothing", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id, etag } = emu.store.addExecution();
      emu.store.rename(projectId, id, "moved on");
      const res = await signedRequest(emu, creds, { method: "POST", path: path(projectId, id, "cancel"), headers: { "if-match": etag } });
      expect([res.status, res.json().code]).toEqual([412, "NoEtagMatch"]);
      expect(emu.store.get(projectId, id)?.lifecycleState).toBe("IN_PROGRESS");
      expect(emu.effectiveCancels(id)).toBe(0);
    });
  });

  test("answers 202 again for an execution already CANCELING and counts it as an effective cancel", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      await signedRequest(emu, creds, { method: "POST", path: path(projectId, id, "cancel") });
      const etag = emu.store.get(projectId, id)?.etag;
      const again = await signedRequest(emu, creds, { method: "POST", path: path(projectId, id, "cancel") });
      expect(again.status).toBe(202);
      expect(emu.store.get(projectId, id)?.etag).toBe(etag);
      expect(emu.effectiveCancels(id)).toBe(2);
    });
  });

  test("cancels an ACCEPTED execution too", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "ACCEPTED" });
      expect((await signedRequest(emu, creds, { method: "POST", path: path(projectId, id, "cancel") })).status).toBe(202);
      expect(emu.store.get(projectId, id)?.lifecycleState).toBe("CANCELING");
    });
  });
});

describe("store", () => {
  test("setState, rename, purge and list act on the execution a test names", async () => {
    await withEmulator(async (emu, creds) => {
      const a = emu.store.addExecution({ projectId: "p1", name: "a", timeCreated: 1_000 });
      const b = emu.store.addExecution({ projectId: "p1", name: "b", timeCreated: 2_000 });
      emu.store.addExecution({ projectId: "p2" });
      expect(emu.store.setState("p1", a.id, "CANCELING").lifecycleState).toBe("CANCELING");
      expect(emu.store.rename("p1", b.id, "bee").name).toBe("bee");
      expect(emu.store.list("p1").map((e) => e.name)).toEqual(["a", "bee"]);
      expect(emu.store.purge("p1", a.id)).toBe(true);
      expect(emu.store.purge("p1", a.id)).toBe(false);
      expect(emu.store.get("p1", a.id)).toBeUndefined();
      const gone = await signedRequest(emu, creds, { path: path("p1", a.id) });
      expect(gone.status).toBe(404);
      expect(() => emu.store.setState("p1", a.id, "FAILED")).toThrow(/No execution/);
    });
  });

  test("keeps an unknown state as it is and treats it as active", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "WAITING_FOR_RESOURCES" });
      expect((await signedRequest(emu, creds, { path: path(projectId, id) })).json().lifecycleState).toBe("WAITING_FOR_RESOURCES");
      expect((await signedRequest(emu, creds, { method: "POST", path: path(projectId, id, "cancel") })).status).toBe(202);
    });
  });

  test("reset forgets executions, the request log, cancel counts and faults but keeps the credentials valid", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      emu.faults.add({ operation: "ListQueryExecutions", times: Infinity, respond: { status: 500 } });
      await signedRequest(emu, creds, { method: "POST", path: path(projectId, id, "cancel") });
      emu.reset();
      expect([emu.store.list(projectId), emu.requests(), emu.effectiveCancels(id), emu.faults.list()]).toEqual([[], [], 0, []]);
      const list = await signedRequest(emu, creds, { path: `/20210831/projects/${projectId}/queryExecutions` });
      expect(list.status).toBe(200);
    });
  });
});

describe("startEmulator", () => {
  test("on a busy port rejects naming the host and port and how to pick another", async () => {
    const first = await startEmulator();
    try {
      await expect(startEmulator({ port: first.port })).rejects.toMatchObject({
        code: "EADDRINUSE",
        port: first.port,
        message: `Cannot listen on 127.0.0.1:${first.port}: the port is already in use (another emulator?). Pass another port, or port 0 for any free one.`,
      });
    } finally {
      await first.close();
    }
  });
});
