// Several runners on one backend: how long a run waits for a locked stack, which projects a shard
// takes, what the engine's lock refusal says about its holders, and the per-host unlock mutex.

import { spawn } from "node:child_process";
import { describeBackendFailure, isBackendFailure } from "../../automation/backend-problem";
import { withHostMutex } from "../../automation/host-mutex";
import { LOCK_WAIT_POLICY, nextLockWaitMs } from "../../automation/lock-wait";
import { options, usage } from "../helpers/cleanup-flags";
import { parseShard, projectsOfShard } from "../../automation/shard";
import { locksAreStale, locksInEngineMessage } from "../../automation/stack-lock";

const PROJECT = "ocid1.queryserviceproject.oc1.iad.aaaa";

describe("nextLockWaitMs", () => {
  const budgetMs = 120_000;

  test("doubles the ceiling from 2 s up to 30 s and draws each delay below it", () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((attempt) => nextLockWaitMs({ attempt, elapsedMs: 0, budgetMs, random: () => 1 }));
    expect(ceilings).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
    expect(nextLockWaitMs({ attempt: 3, elapsedMs: 0, budgetMs, random: () => 0.5 })).toBe(4_000);
  });

  test("never waits less than the floor: an instant retry would meet the same lock", () => {
    expect(nextLockWaitMs({ attempt: 1, elapsedMs: 0, budgetMs, random: () => 0 })).toBe(LOCK_WAIT_POLICY.floorMs);
  });

  test("clips the last delay to the budget left and stops once it is spent", () => {
    expect(nextLockWaitMs({ attempt: 5, elapsedMs: 110_000, budgetMs, random: () => 1 })).toBe(10_000);
    expect(nextLockWaitMs({ attempt: 6, elapsedMs: 120_000, budgetMs, random: () => 1 })).toBeUndefined();
    expect(nextLockWaitMs({ attempt: 1, elapsedMs: 0, budgetMs: 0, random: () => 1 })).toBeUndefined();
  });
});

describe("shards", () => {
  const projects = Array.from({ length: 50 }, (_, i) => `ocid1.queryserviceproject.oc1.iad.p${i}`);

  test("put every project in exactly one of N shards, whatever the order of the list", () => {
    const shards = [1, 2, 3, 4, 5].map((index) => projectsOfShard(projects, { index, count: 5 }));
    expect(shards.flat().sort()).toEqual([...projects].sort());
    const reversed = [1, 2, 3, 4, 5].map((index) => projectsOfShard([...projects].reverse(), { index, count: 5 }));
    expect(reversed.map((s) => [...s].sort())).toEqual(shards.map((s) => [...s].sort()));
  });

  test("split the list evenly: shard sizes differ by at most one", () => {
    const sizes = [1, 2, 3, 4, 5].map((index) => projectsOfShard(projects.slice(0, 12), { index, count: 5 }).length);
    expect(sizes).toEqual([3, 3, 2, 2, 2]);
  });

  test("parse I/N and refuse anything else with what is expected", () => {
    expect(parseShard("2/5")).toEqual({ index: 2, count: 5 });
    for (const text of ["0/5", "6/5", "1/0", "2", "a/b", "1/1001", "-1/5"]) expect(() => parseShard(text)).toThrow(`got ${JSON.stringify(text)}`);
    expect(options("--project-id", PROJECT, "--yes", "--shard", "3/4").shard).toEqual({ index: 3, count: 4 });
    expect(usage("--project-id", PROJECT, "--yes", "--shard", "5/4")).toMatch(
      /^--shard: I\/N with 1 <= I <= N <= 1000 expected, such as 2\/5 for the second of five runners; got "5\/4"$/,
    );
  });
});

describe("--lock-wait", () => {
  test("takes a duration, or 0 for no wait, and defaults to two minutes", () => {
    expect(options("--project-id", PROJECT, "--yes").lockWaitMs).toBe(120_000);
    expect(options("--project-id", PROJECT, "--yes", "--lock-wait", "5m").lockWaitMs).toBe(300_000);
    expect(options("--project-id", PROJECT, "--yes", "--lock-wait", "0").lockWaitMs).toBe(0);
    expect(usage("--project-id", PROJECT, "--yes", "--lock-wait", "soon")).toBe(
      '--lock-wait: a duration such as 90s, 15m, 1h30m or 1d expected; got "soon", or 0 not to wait',
    );
  });
});

describe("locksInEngineMessage", () => {
  // As pulumi 3.276's DIY backend words it (pkg/backend/diy/lock.go), inside the Automation API's error.
  const message = [
    "code: 255",
    " stdout: ",
    " stderr: error: the stack is currently locked by 2 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
    "  s3://state/cleanup/.pulumi/locks/organization/oci-query-cleanup/p1/6f1c.json?endpoint=http%3A%2F%2F127.0.0.1%3A7070&region=us-east-1: created by ops@runner-a (pid 4242) at 2026-12-08T00:10:00Z",
    "  s3://state/cleanup/.pulumi/locks/organization/oci-query-cleanup/p1/9a2b.json: created by build@ci@runner-b (pid 17) at 2026-12-08T00:10:01Z",
    "",
  ].join("\n");

  test("reads each holder the engine lists, whatever the backend", () => {
    expect(locksInEngineMessage(message)).toEqual([
      {
        pid: 4242,
        username: "ops",
        hostname: "runner-a",
        timestamp: "2026-12-08T00:10:00Z",
        where: "s3://state/cleanup/.pulumi/locks/organization/oci-query-cleanup/p1/6f1c.json?endpoint=http%3A%2F%2F127.0.0.1%3A7070&region=us-east-1",
      },
      {
        pid: 17,
        username: "build@ci",
        hostname: "runner-b",
        timestamp: "2026-12-08T00:10:01Z",
        where: "s3://state/cleanup/.pulumi/locks/organization/oci-query-cleanup/p1/9a2b.json",
      },
    ]);
  });

  test("finds no holder in Pulumi Cloud's 409, so such a lock is never judged stale", () => {
    const cloud = locksInEngineMessage("error: [409] Conflict: Another update is currently in progress.");
    expect(cloud).toEqual([]);
    expect(locksAreStale(cloud, { hostname: "runner-a", isRunning: () => false })).toBe(false);
  });

  test("a dead process on another host is not stale from here", () => {
    const locks = locksInEngineMessage(message).slice(0, 1);
    expect(locksAreStale(locks, { hostname: "runner-a", isRunning: () => false })).toBe(true);
    expect(locksAreStale(locks, { hostname: "runner-b", isRunning: () => false })).toBe(false);
  });
});

describe("withHostMutex", () => {
  test("lets one process of the machine hold a name; another is refused until it lets go, even when it dies", async () => {
    const name = `test-${process.pid}-${Date.now()}`;
    // A separate process holds the mutex until it is killed, as a run killed mid-unlock would.
    const mutex = JSON.stringify(require.resolve("../../dist/automation/host-mutex.js"));
    const code = `setInterval(() => {}, 1000); require(${mutex}).withHostMutex(${JSON.stringify(name)}, () => { console.log("held"); return new Promise(() => {}); })`;
    const holder = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((resolve) => holder.stdout.on("data", (c: Buffer) => c.toString().includes("held") && resolve()));
    expect(await withHostMutex(name, async () => "ran")).toEqual({ held: false });
    const gone = new Promise((resolve) => holder.once("exit", resolve));
    holder.kill("SIGKILL");
    await gone;
    expect(await withHostMutex(name, async () => "ran")).toEqual({ held: true, value: "ran" });
  });
});

describe("describeBackendFailure", () => {
  const shown = "s3://state/cleanup?endpoint=http%3A%2F%2F127.0.0.1%3A7070";
  const snapshot =
    'pre-step event returned an error: failed to save snapshot: An IO error occurred while writing the new snapshot file: blob (key ".pulumi/stacks/oci-query-cleanup/p1.json") (code=Unknown): operation error S3: PutObject, exceeded maximum number of attempts, 3, https response error StatusCode: 0, RequestID: , HostID: , request send failed, Put "http://127.0.0.1:7070/state/cleanup/.pulumi/stacks/oci-query-cleanup/p1.json?x-id=PutObject": dial tcp 127.0.0.1:7070: connect: connection refused';

  test("turns the engine's raw S3 error into one line naming the backend, the network reason and what to do", () => {
    expect(describeBackendFailure(snapshot, shown)).toBe(
      `the backend ${shown} could not be read or written (dial tcp 127.0.0.1:7070: connect: connection refused): this run stopped, and the cancellations it sent ` +
        "may not all be recorded. Check that the object store is up and reachable from this machine, then run again: the next run records them without sending them again (each looks at its execution first).",
    );
    expect(isBackendFailure(snapshot)).toBe(true);
  });

  test("keeps at most 200 characters of what the store or SDK said", () => {
    const line = describeBackendFailure(`error: operation error S3: ListObjectsV2, https response error StatusCode: 503${"x".repeat(5000)}`, shown)!;
    expect(line).toContain("(operation error S3: ListObjectsV2, https response error StatusCode: 503");
    expect(line.length).toBeLessThan(600);
  });

  test("leaves a cancellation's own failure alone", () => {
    expect(describeBackendFailure('CancelQueryExecution failed: 400 InvalidParameter "rehearsed rejection" (POST /20210831/…)', shown)).toBeUndefined();
  });
});
