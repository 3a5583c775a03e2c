// The provider's behaviour table, row by row, against the emulator. These call the installed
// implementation the trampoline forwards to; test/plugin drives the same through the real plugin.

import type { Emulator, EmulatorCredentials } from "../../emulator/index";
import { createImplementation, type Implementation, type ImplementationOptions } from "../../provider/implementation";
import { readFileSync, writeFileSync } from "node:fs";
import { inspect } from "node:util";
import { deriveRetryToken } from "../../provider/retry-token";
import { normaliseInputs, UNKNOWN } from "../../provider/inputs";
import { cancelExecution, type ExecutionService } from "../../provider/cancel";
import { QueryServiceClient } from "../../provider/client/query-service-client";
import { rejection } from "../helpers/rejection";
import { withEmulator } from "../helpers/with-emulator";

// Inputs and outputs as the engine passes them: any shape a test builds or reads.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Props = Record<string, any>;
let logs: string[] = [];
let implementation: Implementation;

/**
 * A fresh implementation, as a new plugin process has: nothing cached, no stack config. Backoff
 * in milliseconds unless `client` says otherwise, so retry tests stay fast; the rules are the
 * production ones.
 */
function fresh(options: ImplementationOptions = {}): Implementation {
  implementation?.close();
  implementation = createImplementation({
    log: (line) => logs.push(line),
    client: { retry: { baseDelayMs: 5, maxDelayMs: 20, totalBudgetMs: 10_000 } },
    ...options,
  });
  return implementation;
}

beforeEach(() => {
  logs = [];
  fresh();
});
afterEach(() => implementation.close());

/** A ConfigureRequest with these stack config values. */
function stackConfig(values: Record<string, string>) {
  return { config: { get: (key: string) => values[key], require: (key: string) => values[key] ?? "" } };
}

function connection(emu: Emulator, creds: EmulatorCredentials): Props {
  return { endpoint: emu.url, configFile: creds.configFile, profile: creds.profile };
}

async function checked(news: Props): Promise<Props> {
  const result = await implementation.check({}, news);
  expect(result.failures ?? []).toEqual([]);
  return { ...result.inputs, __provider: "serialized-provider-text" };
}

async function create(news: Props) {
  return implementation.create(await checked(news));
}

function expectCarriable(outs: Props): void {
  for (const [key, value] of Object.entries(outs)) {
    expect([key, value]).not.toEqual([key, undefined]);
    expect(value instanceof Date).toBe(false);
  }
}

const cancels = (emu: Emulator) => emu.requests("CancelQueryExecution");

describe("create", () => {
  test("cancels an active execution with one GET and one POST, conditioned on the etag it read", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id, etag } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const result = await create({ projectId, queryExecutionId: id, ...connection(emu, creds) });

      const token = deriveRetryToken({ projectId, queryExecutionId: id, etag, triggers: [] });
      expect(emu.requests().map((r) => r.operation)).toEqual(["GetQueryExecution", "CancelQueryExecution"]);
      expect(cancels(emu)[0]!.headers["if-match"]).toBe(etag);
      expect(cancels(emu)[0]!.headers["opc-retry-token"]).toBe(token);
      expect(emu.effectiveCancels(id)).toBe(1);
      expect(result.id).toBe(`${id}:${token}`);
      expect(result.outs).toMatchObject({
        outcome: "CANCEL_REQUESTED",
        retryToken: token,
        etagAtCancel: etag,
        etag,
        lifecycleState: "IN_PROGRESS",
        cancelRequestId: cancels(emu)[0]!.opcRequestId,
        ifMatch: "",
        region: "",
      });
      expect(result.outs.timeCancelRequested).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expectCarriable(result.outs);
    });
  });

  test("records ALREADY_TERMINAL and sends no POST for a finished execution", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id, etag } = emu.store.addExecution({ lifecycleState: "SUCCEEDED" });
      const result = await create({ projectId, queryExecutionId: id, ...connection(emu, creds) });
      expect(cancels(emu)).toHaveLength(0);
      expect(result.outs).toMatchObject({ outcome: "ALREADY_TERMINAL", lifecycleState: "SUCCEEDED", etag, cancelRequestId: "" });
      expectCarriable(result.outs);
    });
  });

  test("fails for a finished execution when onAlreadyTerminal is fail, naming the state and the way out", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "FAILED" });
      await expect(create({ projectId, queryExecutionId: id, onAlreadyTerminal: "fail", ...connection(emu, creds) })).rejects.toThrow(
        /already FAILED, so there is nothing to cancel .*Set onAlreadyTerminal to "succeed"/,
      );
      expect(cancels(emu)).toHaveLength(0);
    });
  });

  test("records a cancel already in progress without sending another", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "CANCELING" });
      const result = await create({ projectId, queryExecutionId: id, ...connection(emu, creds) });
      expect(cancels(emu)).toHaveLength(0);
      expect(result.outs).toMatchObject({ outcome: "CANCEL_REQUESTED", lifecycleState: "CANCELING", cancelRequestId: "" });
    });
  });

  test("fails on a missing execution by default and records NOT_FOUND when onNotFound is succeed", async () => {
    await withEmulator(async (emu, creds) => {
      const base = { projectId: emu.defaultProjectId, queryExecutionId: "ocid1.queryexecution.oc1..missing", ...connection(emu, creds) };
      await expect(create(base)).rejects.toThrow(/was not found, or this user may not read it \(404 NotAuthorizedOrNotFound, opc-request-id \S+\)/);
      const result = await create({ ...base, onNotFound: "succeed" });
      expect(result.outs).toMatchObject({ outcome: "NOT_FOUND", lifecycleState: "NOT_FOUND", etag: "", etagAtCancel: "" });
      expect(cancels(emu)).toHaveLength(0);
      expectCarriable(result.outs);
    });
  });

  test("fails with a clear message when the pinned etag is stale, and does not retry the 412", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id, etag } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      emu.store.rename(projectId, id, "renamed"); // a new etag
      const current = emu.store.get(projectId, id)!.etag;
      const attempt = create({ projectId, queryExecutionId: id, ifMatch: etag, ...connection(emu, creds) });
      await expect(attempt).rejects.toThrow(`no longer has the pinned etag "${etag}"`);
      await expect(attempt).rejects.toThrow(`set it to the current etag "${current}"`);
      expect(cancels(emu)).toHaveLength(1);
      expect(emu.effectiveCancels(id)).toBe(0);
    });
  });

  test("looks again after a 412 on an observed etag and cancels on the fresh one", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      emu.faults.add({ operation: "CancelQueryExecution", times: 1, respond: { status: 412, code: "NoEtagMatch", message: "etag mismatch" } });
      const result = await create({ projectId, queryExecutionId: id, ...connection(emu, creds) });
      expect(emu.requests().map((r) => r.operation)).toEqual(["GetQueryExecution", "CancelQueryExecution", "GetQueryExecution", "CancelQueryExecution"]);
      expect(emu.effectiveCancels(id)).toBe(1);
      expect(result.outs.outcome).toBe("CANCEL_REQUESTED");
    });
  });

  test("gives up after a bounded number of 412s on observed etags", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      emu.faults.add({ operation: "CancelQueryExecution", times: Infinity, respond: { status: 412, code: "NoEtagMatch", message: "etag mismatch" } });
      await expect(create({ projectId, queryExecutionId: id, ...connection(emu, creds) })).rejects.toThrow(/changed its etag 3 times/);
      expect(cancels(emu)).toHaveLength(3);
    });
  });

  test("records ALREADY_TERMINAL when the query finishes between look and cancel", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const news = await checked({ projectId, queryExecutionId: id, ...connection(emu, creds) });
      // Hold our POST up, and finish the query as soon as our GET has been answered.
      emu.faults.add({ operation: "CancelQueryExecution", times: 1, delayMs: 50 });
      const timer = setInterval(() => {
        if (emu.requests("GetQueryExecution").length === 1 && emu.store.get(projectId, id)!.lifecycleState === "IN_PROGRESS") {
          emu.store.setState(projectId, id, "SUCCEEDED");
        }
      }, 0);
      try {
        const result = await implementation.create(news);
        // Finishing changed the etag, so the conditioned cancel was refused and not applied.
        expect(cancels(emu).map((r) => r.status)).toEqual([412]);
        expect(result.outs).toMatchObject({ outcome: "ALREADY_TERMINAL", lifecycleState: "SUCCEEDED" });
        expect(emu.effectiveCancels(id)).toBe(0);
      } finally {
        clearInterval(timer);
      }
    });
  });

  test("records ALREADY_TERMINAL when a 409 is followed by a terminal GET", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const client = new QueryServiceClient({ ...connection(emu, creds) });
      // A service that checks the state before the etag: the query finished, the cancel gets 409.
      const service: ExecutionService = {
        getQueryExecution: (p, q) => client.getQueryExecution(p, q),
        cancelQueryExecution: async (p, q, { retryToken }) => {
          emu.store.setState(projectId, id, "SUCCEEDED");
          return client.cancelQueryExecution(p, q, { retryToken });
        },
      };
      try {
        const { inputs } = normaliseInputs({ projectId, queryExecutionId: id });
        const record = await cancelExecution({ service, log: () => {}, now: Date.now, sleep: async () => {} }, inputs);
        expect(cancels(emu).map((r) => [r.status, JSON.parse(r.body || "{}").code])).toEqual([[409, undefined]]);
        expect(record).toMatchObject({ outcome: "ALREADY_TERMINAL", lifecycleState: "SUCCEEDED", cancelRequestId: "" });
        expect(emu.requests().map((r) => r.operation)).toEqual(["GetQueryExecution", "CancelQueryExecution", "GetQueryExecution"]);
      } finally {
        client.close();
      }
    });
  });

  test("does not record a cancel answered 200 by something in front of the service, and the next run cancels once", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const news = { projectId, queryExecutionId: id, ...connection(emu, creds) };
      emu.faults.add({ operation: "CancelQueryExecution", times: 1, respond: { status: 200 } });
      await expect(create(news)).rejects.toThrow(/CancelQueryExecution failed: 200 UnexpectedStatus/);
      expect(emu.effectiveCancels(id)).toBe(0);

      const result = await create(news);
      expect(result.outs.outcome).toBe("CANCEL_REQUESTED");
      expect(cancels(emu).map((r) => r.status)).toEqual([200, 202]);
      expect(emu.effectiveCancels(id)).toBe(1);
    });
  });

  test("retries transient faults with the same token and cancels exactly once", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      emu.faults.add({ operation: "CancelQueryExecution", times: 2, respond: { status: 503, code: "ServiceUnavailable", message: "busy" } });
      emu.faults.add({ operation: "CancelQueryExecution", times: 1, respond: { status: 429, code: "TooManyRequests", message: "slow down", retryAfter: "0" } });
      await create({ projectId, queryExecutionId: id, ...connection(emu, creds) });
      const tokens = cancels(emu).map((r) => r.headers["opc-retry-token"]);
      expect(tokens).toHaveLength(4);
      expect(new Set(tokens).size).toBe(1);
      expect(emu.effectiveCancels(id)).toBe(1);
    });
  });

  test("survives accept-then-drop: the retry replays the first answer and the execution is cancelled once", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      emu.faults.add({ operation: "CancelQueryExecution", times: 1, afterEffect: "drop-connection" });
      const result = await create({ projectId, queryExecutionId: id, ...connection(emu, creds) });
      expect(cancels(emu)).toHaveLength(2);
      expect(emu.effectiveCancels(id)).toBe(1);
      expect(result.outs.outcome).toBe("CANCEL_REQUESTED");
    });
  });

  test("a create that dies after its POST landed, run again in a new process, cancels once", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const news = { projectId, queryExecutionId: id, ...connection(emu, creds) };
      // One attempt only: the dropped answer ends the run, as a killed process would.
      fresh({ client: { retry: { maxAttempts: 1 } } });
      emu.faults.add({ operation: "CancelQueryExecution", times: 1, afterEffect: "drop-connection" });
      await expect(create(news)).rejects.toThrow(/CancelQueryExecution failed/);
      expect(emu.effectiveCancels(id)).toBe(1);

      fresh({ client: { retry: { baseDelayMs: 5 } } }); // the re-run: a fresh process
      const result = await create(news);
      expect(cancels(emu)).toHaveLength(1);
      expect(emu.effectiveCancels(id)).toBe(1);
      expect(result.outs).toMatchObject({ outcome: "CANCEL_REQUESTED", lifecycleState: "CANCELING" });
    });
  });

  test("a create that dies after its POST, re-run once the cancel completed, succeeds even with onAlreadyTerminal fail", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const news = { projectId, queryExecutionId: id, onAlreadyTerminal: "fail", ...connection(emu, creds) };
      fresh({ client: { retry: { maxAttempts: 1 } } });
      emu.faults.add({ operation: "CancelQueryExecution", times: 1, afterEffect: "drop-connection" });
      await expect(create(news)).rejects.toThrow(/CancelQueryExecution failed/);
      emu.store.setState(projectId, id, "CANCELED"); // the cancel completed before the re-run

      fresh({ client: {} }); // the re-run: a fresh process with the production retry policy
      const result = await create(news);
      expect(result.outs).toMatchObject({ outcome: "ALREADY_TERMINAL", lifecycleState: "CANCELED" });
      expect(emu.effectiveCancels(id)).toBe(1);
      expect(cancels(emu)).toHaveLength(1);
    });
  });

  test("a create that dies before its POST landed sends the same token when run again", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const news = { projectId, queryExecutionId: id, ...connection(emu, creds) };
      fresh({ client: { retry: { maxAttempts: 1 } } });
      emu.faults.add({ operation: "CancelQueryExecution", times: 1, beforeEffect: "drop-connection" });
      await expect(create(news)).rejects.toThrow(/CancelQueryExecution failed/);
      expect(emu.effectiveCancels(id)).toBe(0);

      fresh({ client: {} }); // the re-run: a fresh process with the production retry policy
      await create(news);
      const tokens = cancels(emu).map((r) => r.headers["opc-retry-token"]);
      expect(tokens).toHaveLength(2);
      expect(tokens[1]).toBe(tokens[0]);
      expect(emu.effectiveCancels(id)).toBe(1);
    });
  });

  test("prints a progress line per retry on an endpoint that drops connections, naming what failed, the wait and attempt n of m", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      emu.faults.add({ operation: "GetQueryExecution", times: 8, beforeEffect: "drop-connection" });
      await expect(create({ projectId, queryExecutionId: id, ...connection(emu, creds) })).rejects.toThrow(/GetQueryExecution failed: ECONNRESET .*8 attempts/);
      expect(logs).toHaveLength(7);
      expect(logs[0]).toMatch(/^GetQueryExecution attempt 1 of 8 failed: ECONNRESET \(socket hang up\); trying again in \d+\.\d s\.$/);
      expect(logs[6]).toMatch(/^GetQueryExecution attempt 7 of 8 failed: ECONNRESET/);
    });
  });

  test("says at once that nothing is listening on a loopback endpoint, without retrying", async () => {
    await withEmulator(async (_emu, creds) => {
      const dead = { projectId: "p", queryExecutionId: "q", endpoint: "http://127.0.0.1:9", configFile: creds.configFile, profile: creds.profile };
      await expect(create(dead)).rejects.toThrow(
        /GetQueryExecution failed: ECONNREFUSED "nothing is listening on 127\.0\.0\.1:9 — is the emulator running\?" .*1 attempt\)/,
      );
      expect(logs).toEqual([]);
    });
  });

  test("uses an explicit retryToken on the wire and in the outputs", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const result = await create({ projectId, queryExecutionId: id, retryToken: "my-token.1", ...connection(emu, creds) });
      expect(cancels(emu)[0]!.headers["opc-retry-token"]).toBe("my-token.1");
      expect(result.outs.retryToken).toBe("my-token.1");
    });
  });

  test("waits until terminal when asked, logging the state and the time elapsed", async () => {
    await withEmulator(
      async (emu, creds) => {
        const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
        fresh({ client: { retry: { baseDelayMs: 5 } }, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))) });
        const result = await create({ projectId, queryExecutionId: id, waitForTerminalState: true, ...connection(emu, creds) });
        expect(result.outs).toMatchObject({ outcome: "CANCEL_REQUESTED", lifecycleState: "CANCELED" });
        expect(result.outs.etag).not.toBe(result.outs.etagAtCancel);
        expect(logs.some((l) => /Waiting for the query execution .*: CANCELING after \d+s \(up to 600s\)/.test(l))).toBe(true);
        expect(logs.some((l) => /is CANCELED after \d+s/.test(l))).toBe(true);
      },
      { cancelDelayMs: 60 },
    );
  });

  test("a wait that times out still records the cancel, as a resource that failed to initialise", async () => {
    await withEmulator(
      async (emu, creds) => {
        const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
        let now = 0;
        fresh({ now: () => now, sleep: async (ms) => void (now += ms) });
        const error = (await rejection(
          create({ projectId, queryExecutionId: id, waitForTerminalState: true, waitTimeoutSeconds: 5, ...connection(emu, creds) }),
          Error,
        )) as Error & { id?: string; properties?: Props };
        expect(error.message).toMatch(/still CANCELING after 5s \(waitTimeoutSeconds\)\. The cancel will not be sent again/);
        expect(error.id).toMatch(new RegExp(`^${id}:qec1-`));
        expect(error.properties).toMatchObject({ outcome: "CANCEL_REQUESTED", lifecycleState: "CANCELING" });
        expect(emu.effectiveCancels(id)).toBe(1);
      },
      { cancelDelayMs: 3_600_000 },
    );
  });
});

describe("read", () => {
  test("picks up the new etag and state and keeps every input", async () => {
    await withEmulator(
      async (emu, creds) => {
        const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
        const created = await create({ projectId, queryExecutionId: id, triggers: ["a"], ...connection(emu, creds) });
        const now = emu.store.get(projectId, id)!;
        const read = await implementation.read(created.id, created.outs);
        expect(read.id).toBe(created.id);
        expect(read.props).toMatchObject({ ...created.outs, etag: now.etag, lifecycleState: now.lifecycleState });
        expect(now.lifecycleState).toBe("CANCELING");
      },
      { cancelDelayMs: 3_600_000 },
    );
  });

  test("keeps a purged execution on refresh with lifecycleState NOT_FOUND", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const created = await create({ projectId, queryExecutionId: id, ...connection(emu, creds) });
      emu.store.purge(projectId, id);
      const read = await implementation.read(created.id, created.outs);
      expect(read.id).toBe(created.id);
      expect(read.props).toMatchObject({ lifecycleState: "NOT_FOUND", etag: "", outcome: "CANCEL_REQUESTED" });
      const diff = await implementation.diff(created.id, read.props!, await checked({ projectId, queryExecutionId: id, ...connection(emu, creds) }));
      expect(diff.changes).toBe(false);
    });
  });
});

describe("diff", () => {
  async function fixture(emu: Emulator, creds: EmulatorCredentials) {
    const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
    const news = { projectId, queryExecutionId: id, ...connection(emu, creds) };
    const created = await create(news);
    return { projectId, id, news, created };
  }

  test("reports no change for the same inputs, whatever the serialized provider", async () => {
    await withEmulator(async (emu, creds) => {
      const { news, created } = await fixture(emu, creds);
      const diff = await implementation.diff(created.id, { ...created.outs, __provider: "old" }, { ...(await checked(news)), __provider: "new" });
      expect(diff).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    });
  });

  test("replaces on projectId, queryExecutionId, triggers, ifMatch and a new retryToken", async () => {
    await withEmulator(async (emu, creds) => {
      const { news, created } = await fixture(emu, creds);
      for (const [key, value] of Object.entries({ projectId: "p2", queryExecutionId: "q2", triggers: [1], ifMatch: "e", retryToken: "t" })) {
        const diff = await implementation.diff(created.id, created.outs, await checked({ ...news, [key]: value }));
        expect([key, diff.replaces]).toEqual([key, [key]]);
        expect(diff.changes).toBe(true);
      }
    });
  });

  test("updates in place for wait and connection settings", async () => {
    await withEmulator(async (emu, creds) => {
      const { news, created } = await fixture(emu, creds);
      for (const [key, value] of Object.entries({
        waitForTerminalState: true,
        waitTimeoutSeconds: 30,
        onNotFound: "succeed",
        region: "iad",
        profile: "OTHER",
      })) {
        // Normalised only: check would (rightly) refuse a profile the emulator's config file lacks.
        const diff = await implementation.diff(created.id, created.outs, normaliseInputs({ ...news, [key]: value }).inputs as unknown as Props);
        expect([key, diff]).toEqual([key, { changes: true, replaces: [], deleteBeforeReplace: false }]);
      }
    });
  });

  test("replaces when a refresh shows the execution active again under another etag, and the new create cancels once with a new token", async () => {
    await withEmulator(
      async (emu, creds) => {
        const { projectId, id, news, created } = await fixture(emu, creds);
        emu.store.setState(projectId, id, "IN_PROGRESS"); // the cancel did not stick
        const refreshed = await implementation.read(created.id, created.outs);
        const diff = await implementation.diff(created.id, refreshed.props!, await checked(news));
        expect(diff.replaces).toEqual(["lifecycleState"]);

        const again = await create(news);
        expect(cancels(emu)).toHaveLength(2);
        expect(again.outs.retryToken).not.toBe(created.outs.retryToken);
        expect(cancels(emu)[1]!.headers["opc-retry-token"]).toBe(again.outs.retryToken);
        expect(emu.effectiveCancels(id)).toBe(2);
      },
      { cancelDelayMs: 3_600_000 },
    );
  });

  test("reports a replacement, without any request, when an id is unknown at preview", async () => {
    await withEmulator(async (emu, creds) => {
      const { news, created } = await fixture(emu, creds);
      const before = emu.requests().length;
      const check = await implementation.check(created.outs, { ...news, queryExecutionId: UNKNOWN, triggers: UNKNOWN });
      expect(check.failures ?? []).toEqual([]);
      expect(check.inputs).toMatchObject({ queryExecutionId: UNKNOWN, triggers: UNKNOWN });
      const diff = await implementation.diff(created.id, created.outs, check.inputs);
      expect(diff.replaces).toEqual(["queryExecutionId", "triggers"]);
      expect(emu.requests()).toHaveLength(before);
    });
  });
});

describe("update and check", () => {
  test.each([
    ["no outcome", {}],
    ["an outcome no version ever wrote", { outcome: "CANCELLED_MAYBE" }],
  ])("diff, read and update refuse a state with %s instead of guessing one", async (_what, damage) => {
    const olds = { projectId: "p", queryExecutionId: "q", etag: "e", lifecycleState: "IN_PROGRESS", ...damage };
    const damaged = /recorded state of the cancellation of query execution "q" has outcome .*: the state is damaged/;
    await expect(implementation.diff("q:t", olds, { projectId: "p", queryExecutionId: "q" })).rejects.toThrow(damaged);
    await expect(implementation.update("q:t", olds, { projectId: "p", queryExecutionId: "q" })).rejects.toThrow(damaged);
    await expect(implementation.read("q:t", { ...olds, endpoint: "http://127.0.0.1:9" })).rejects.toThrow(damaged);
  });

  test("update stores the new settings and sends no request", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const news = { projectId, queryExecutionId: id, ...connection(emu, creds) };
      const created = await create(news);
      const before = emu.requests().length;
      const updated = await implementation.update(created.id, created.outs, await checked({ ...news, waitTimeoutSeconds: 42 }));
      expect(emu.requests()).toHaveLength(before);
      expect(updated.outs).toEqual({ ...created.outs, waitTimeoutSeconds: 42 });
    });
  });

  test.each([
    [
      "plain http to a host that is not loopback",
      { endpoint: "http://example.com" },
      "endpoint",
      /^plain http is allowed only to a loopback host .*use https for example\.com\.$/,
    ],
    ["an unknown region", { endpoint: undefined, region: "xyz" }, "region", /^Unknown region "xyz": use a region id such as us-ashburn-1/],
    [
      "a missing config file",
      { configFile: "/nonexistent/config" },
      "configFile",
      /^OCI config file \/nonexistent\/config \(from the configFile setting\) does not exist/,
    ],
    ["an unknown profile", { profile: "NOPE" }, "profile", /has no profile \[NOPE\] \(from the profile setting\)/],
  ])("check refuses %s, as create would, naming the property and sending nothing", async (_what, change, property, reason) => {
    await withEmulator(async (emu, creds) => {
      const news = { projectId: "p", queryExecutionId: "q", ...connection(emu, creds), ...change };
      const result = await implementation.check({}, news);
      expect(result.failures).toEqual([{ property, reason: expect.stringMatching(reason) }]);
      expect(emu.requests()).toHaveLength(0);
    });
  });

  test("check refuses a key file that is missing, or encrypted without its passphrase, naming the config file", async () => {
    await withEmulator(
      async (emu, creds) => {
        const news = { projectId: "p", queryExecutionId: "q", ...connection(emu, creds) };
        const config = readFileSync(creds.configFile, "utf8");
        writeFileSync(creds.configFile, config.replace(/^key_file=.*$/m, "key_file=/nonexistent/key.pem"));
        expect((await implementation.check({}, news)).failures).toEqual([
          { property: "configFile", reason: expect.stringMatching(/key_file \/nonexistent\/key\.pem does not exist/) },
        ]);
        writeFileSync(creds.configFile, config.replace(/^pass_phrase=.*\n/m, ""));
        expect((await implementation.check({}, news)).failures).toEqual([
          { property: "configFile", reason: expect.stringMatching(/encrypted and no passphrase is set; set one in pass_phrase of profile/) },
        ]);
        expect(emu.requests()).toHaveLength(0);
      },
      { credentials: { passphrase: "correct horse battery staple" } },
    );
  });

  test("check skips the connection rules while a connection input is unknown at preview", async () => {
    const result = await implementation.check({}, { projectId: "p", queryExecutionId: "q", endpoint: UNKNOWN, configFile: "/nonexistent/config" });
    expect(result.failures ?? []).toEqual([]);
  });

  test("check reports bad inputs by property and sends no request", async () => {
    await withEmulator(async (emu, creds) => {
      const result = await implementation.check({}, { projectId: "", queryExecutionId: "q", waitTimeoutSeconds: -1, ...connection(emu, creds) });
      expect(result.failures?.map((f) => f.property)).toEqual(["projectId", "waitTimeoutSeconds"]);
      expect(emu.requests()).toHaveLength(0);
    });
  });
});

describe("createImplementation", () => {
  test("two implementations share no stack config: configuring one leaves the other unconfigured", async () => {
    await withEmulator(async (emu, creds) => {
      const other = createImplementation({ log: () => undefined });
      try {
        await implementation.configure(
          stackConfig({ "queryservice:endpoint": emu.url, "queryservice:configFile": creds.configFile, "oci:configFileProfile": creds.profile }),
        );
        const news = { projectId: "p", queryExecutionId: "q" };
        expect((await implementation.check({}, news)).failures ?? []).toEqual([]);
        // No endpoint input: the failure is the resource's, its message listing every place to set one.
        expect((await other.check({}, news)).failures).toEqual([{ property: "", reason: expect.stringMatching(/^No Query Service endpoint/) }]);
      } finally {
        other.close();
      }
    });
  });
});

describe("credentials", () => {
  test("a passphrase-protected key works and neither key nor passphrase reaches outputs or errors", async () => {
    await withEmulator(
      async (emu, creds) => {
        const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
        const result = await create({ projectId, queryExecutionId: id, ...connection(emu, creds) });
        expect(emu.effectiveCancels(id)).toBe(1);
        // An error made with the same key: the service refuses the next look.
        emu.faults.add({ operation: "GetQueryExecution", respond: { status: 401 } });
        const error = await rejection(create({ projectId, queryExecutionId: id, ...connection(emu, creds) }), Error);
        expect(error.message).toMatch(/^GetQueryExecution failed: 401 NotAuthenticated/);
        const everything = [JSON.stringify(result), error.message, String(error), JSON.stringify(error), inspect(error, { depth: 10 })].join("\n");
        const secrets = [...creds.privateKeyPem.split("\n").filter((l) => l !== "" && !l.startsWith("-----")), creds.passphrase!];
        expect(secrets.filter((secret) => everything.includes(secret))).toEqual([]);
      },
      { credentials: { passphrase: "correct horse battery staple" } },
    );
  });

  test("a create names a stack-config file path and profile as stack config, not as inputs", async () => {
    await withEmulator(async (emu) => {
      await implementation.configure(stackConfig({ "queryservice:endpoint": emu.url, "queryservice:configFile": "/nonexistent/oci-config" }));
      await expect(create({ projectId: "p", queryExecutionId: "q" })).rejects.toThrow(
        "OCI config file /nonexistent/oci-config (from stack config queryservice:configFile) does not exist",
      );
    });
  });

  test("key material from stack config signs requests and stays out of the outputs", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      await implementation.configure(
        stackConfig({
          "oci:privateKey": creds.privateKeyPem,
          "oci:tenancyOcid": creds.tenancy,
          "oci:userOcid": creds.user,
          "oci:fingerprint": creds.fingerprint,
          "queryservice:endpoint": emu.url,
        }),
      );
      const result = await create({ projectId, queryExecutionId: id });
      expect(emu.effectiveCancels(id)).toBe(1);
      expect(JSON.stringify(result)).not.toContain(creds.privateKeyPem.split("\n")[1]!);
      expect(result.outs).toMatchObject({ endpoint: "", configFile: "" });
    });
  });
});
