// Faults as data: injected answers, delays, dropped connections, broken bodies and throttling.

import { manualClock } from "../../emulator/index.js";
import { send, signedRequest, withEmulator } from "../helpers/with-emulator.js";

const getPath = (projectId: string, id: string) => `/20210831/projects/${projectId}/queryExecutions/${id}`;
const cancelPath = (projectId: string, id: string) => `${getPath(projectId, id)}/actions/cancel`;

describe("faults.add respond", () => {
  test("answers the given status, code, message, retry-after and headers for `times` requests, then the real answer", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      emu.faults.add({
        operation: "CancelQueryExecution",
        times: 2,
        respond: { status: 503, retryAfter: "3", headers: { "x-extra": "yes" } },
      });
      const statuses = [];
      for (let i = 0; i < 3; i++) {
        const res = await signedRequest(emu, creds, { method: "POST", path: cancelPath(projectId, id), headers: { "opc-retry-token": "t-1" } });
        statuses.push(res.status);
        if (res.status === 503) {
          expect(res.json()).toEqual({ code: "ServiceUnavailable", message: "The service is unavailable." });
          expect(res.headers["retry-after"]).toBe("3");
          expect(res.headers["x-extra"]).toBe("yes");
        }
      }
      expect(statuses).toEqual([503, 503, 202]);
      expect(emu.effectiveCancels(id)).toBe(1);
      expect(emu.requests("CancelQueryExecution").map((r) => r.headers["opc-retry-token"])).toEqual(["t-1", "t-1", "t-1"]);
      expect(emu.requests().map((r) => r.fault)).toEqual(["respond 503", "respond 503", undefined]);
    });
  });

  test("matches only its operation and execution, and keeps going with times: Infinity", async () => {
    await withEmulator(async (emu, creds) => {
      const a = emu.store.addExecution();
      const b = emu.store.addExecution();
      emu.faults.add({
        operation: "GetQueryExecution",
        queryExecutionId: a.id,
        times: Infinity,
        respond: { status: 409, code: "IncorrectState", message: "busy" },
      });
      for (let i = 0; i < 3; i++) {
        const res = await signedRequest(emu, creds, { path: getPath(a.projectId, a.id) });
        expect([res.status, res.json()]).toEqual([409, { code: "IncorrectState", message: "busy" }]);
      }
      expect((await signedRequest(emu, creds, { path: getPath(b.projectId, b.id) })).status).toBe(200);
      expect((await signedRequest(emu, creds, { method: "POST", path: cancelPath(a.projectId, a.id) })).status).toBe(202);
      expect(emu.faults.list()).toHaveLength(1);
      emu.faults.clear();
      expect((await signedRequest(emu, creds, { path: getPath(a.projectId, a.id) })).status).toBe(200);
    });
  });

  test("uses the first matching fault in the order added", async () => {
    await withEmulator(async (emu, creds) => {
      emu.faults.add({ respond: { status: 500 } });
      emu.faults.add({ respond: { status: 502 } });
      const first = await signedRequest(emu, creds, { path: getPath("p1", "x") });
      const second = await signedRequest(emu, creds, { path: getPath("p1", "x") });
      expect([first.status, second.status, first.json().code, second.json().code]).toEqual([500, 502, "InternalServerError", "BadGateway"]);
    });
  });

  test("rejects an invalid spec with a message naming the field", async () => {
    await withEmulator(async (emu) => {
      expect(() => emu.faults.add({ operation: "CancelQuery" as never, respond: { status: 503 } })).toThrow(/`operation`/);
      expect(() => emu.faults.add({ respond: { status: 99 } })).toThrow(/`respond.status`/);
      expect(() => emu.faults.add({ times: 0, respond: { status: 503 } })).toThrow(/`times`/);
      expect(() => emu.faults.add({ respond: { status: 503 }, afterEffect: "drop-connection" })).toThrow(/Only one of/);
      expect(() => emu.faults.add({})).toThrow(/needs one of/);
    });
  });

  test.each([
    [
      "a header value with CRLF",
      { respond: { status: 503, headers: { "x-a": "1\r\nx-injected: 2" } } },
      /`respond.headers.x-a` to be a header value without CR, LF/,
    ],
    ["a header name with a space", { respond: { status: 503, headers: { "bad name": "1" } } }, /`respond.headers` to be HTTP header names .*; got "bad name"/],
    ["a retryAfter with a newline", { respond: { status: 429, retryAfter: "1\n2" } }, /`respond.retryAfter`/],
    ["a delay longer than a timer can wait", { delayMs: 3e9 }, /`delayMs` to be a number of milliseconds from 0 to 2147483647/],
  ])("refuses %s when the fault is added, with 400 over HTTP, instead of answering 500 or 1 ms later", async (_what, spec, message) => {
    await withEmulator(async (emu, creds) => {
      expect(() => emu.faults.add(spec as never)).toThrow(message);
      const over = await send(emu, { method: "POST", path: "/_emulator/faults", body: JSON.stringify(spec), headers: { "content-type": "application/json" } });
      expect([over.status, over.json().code]).toEqual([400, "InvalidParameter"]);
      expect(over.json().message).toMatch(message);
      expect(emu.faults.list()).toEqual([]);
      const { projectId, id } = emu.store.addExecution();
      expect((await signedRequest(emu, creds, { path: `/20210831/projects/${projectId}/queryExecutions/${id}` })).status).toBe(200);
    });
  });
});

describe("faults.add delayMs", () => {
  test("delays the answer by at least delayMs and then answers normally", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      emu.faults.add({ operation: "GetQueryExecution", delayMs: 150 });
      const started = Date.now();
      const res = await signedRequest(emu, creds, { path: getPath(projectId, id) });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });
  });

  test("close ends a request that is still being delayed", async () => {
    await withEmulator(async (emu, creds) => {
      emu.faults.add({ delayMs: 60_000 });
      const pending = signedRequest(emu, creds, { path: getPath("p1", "x") }).then(
        () => "answered",
        () => "failed",
      );
      while (emu.stats().faulted === 0) await new Promise((r) => setTimeout(r, 5));
      await emu.close();
      expect(await pending).toBe("failed");
    });
  });
});

describe("connection drops", () => {
  test("beforeEffect drop-connection destroys the socket and applies nothing", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      emu.faults.add({ operation: "CancelQueryExecution", beforeEffect: "drop-connection" });
      await expect(signedRequest(emu, creds, { method: "POST", path: cancelPath(projectId, id) })).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(emu.store.get(projectId, id)?.lifecycleState).toBe("IN_PROGRESS");
      expect(emu.effectiveCancels(id)).toBe(0);
      expect(emu.requests("CancelQueryExecution")).toMatchObject([{ status: 0, fault: "drop-connection before effect" }]);
    });
  });

  test("accept-then-drop applies the cancel once; the retry with the same token is a replay, leaving exactly one effective cancel", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id, etag } = emu.store.addExecution();
      emu.faults.add({ operation: "CancelQueryExecution", afterEffect: "drop-connection" });
      const cancel = () =>
        signedRequest(emu, creds, { method: "POST", path: cancelPath(projectId, id), headers: { "opc-retry-token": "t-1", "if-match": etag } });
      await expect(cancel()).rejects.toThrow(/socket hang up|ECONNRESET/);
      expect(emu.store.get(projectId, id)?.lifecycleState).toBe("CANCELING");
      const retry = await cancel();
      expect(retry.status).toBe(202);
      expect(emu.effectiveCancels(id)).toBe(1);
      expect(emu.requests("CancelQueryExecution")).toMatchObject([
        { status: 0, fault: "drop-connection after effect" },
        { status: 202, replayed: true },
      ]);
    });
  });
});

describe("malformed answers", () => {
  test.each([
    [
      "truncated-json",
      (text: string, type: string) => {
        expect(type).toBe("application/json");
        expect(() => JSON.parse(text)).toThrow();
      },
    ],
    ["html", (text: string, type: string) => expect([text.startsWith("<html>"), type]).toEqual([true, "text/html"])],
    ["empty-body", (text: string) => expect(text).toBe("")],
    ["wrong-shape", (text: string) => expect(Array.isArray(JSON.parse(text))).toBe(true)],
  ] as const)("%s: the operation succeeds with its status but the body is broken", async (kind, check) => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id, etag } = emu.store.addExecution();
      emu.faults.add({ operation: "GetQueryExecution", malformed: kind });
      const res = await signedRequest(emu, creds, { path: getPath(projectId, id) });
      expect(res.status).toBe(200);
      expect(res.headers["etag"]).toBe(etag);
      check(res.text, res.headers["content-type"] ?? "");
    });
  });

  test("a malformed cancel answer still applies the cancel", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution();
      emu.faults.add({ operation: "CancelQueryExecution", malformed: "html" });
      const res = await signedRequest(emu, creds, { method: "POST", path: cancelPath(projectId, id) });
      expect([res.status, res.headers["content-type"]]).toEqual([202, "text/html"]);
      expect(emu.effectiveCancels(id)).toBe(1);
    });
  });
});

describe("faults.rateLimit", () => {
  test("answers 429 TooManyRequests with retry-after once the bucket is empty, and refills on the emulator clock", async () => {
    const clock = manualClock();
    await withEmulator(
      async (emu, creds) => {
        emu.faults.rateLimit({ requestsPerSecond: 2, retryAfterSeconds: 3 });
        const get = () => signedRequest(emu, creds, { path: getPath("p1", "x") });
        const statuses = [(await get()).status, (await get()).status];
        const limited = await get();
        expect(statuses).toEqual([404, 404]);
        expect([limited.status, limited.json().code, limited.headers["retry-after"]]).toEqual([429, "TooManyRequests", "3"]);
        clock.advance(500);
        expect((await get()).status).toBe(404);
        expect((await get()).status).toBe(429);
        emu.faults.rateLimit(null);
        expect((await get()).status).toBe(404);
        expect(emu.requests().filter((r) => r.fault === "rate-limit")).toHaveLength(2);
      },
      { clock },
    );
  });
});
