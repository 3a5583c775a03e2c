// Several `oci-query-cleanup` runners on one shared backend, as on separate machines: a real
// S3-compatible object store (versitygw on loopback), the real `pulumi` CLI, the emulator. Each
// runner has its own HOME, PULUMI_HOME, temp and working folders, and its own host name (a UTS
// namespace), which is what the engine's lock records; all share the bucket and the passphrase.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Emulator, EmulatorCredentials } from "../../emulator/index";
import { findPulumiCli, pulumiEnv } from "../../dev/pulumi/pulumi-cli";
import { startObjectStore, type ObjectStore } from "../helpers/with-object-store";
import { withEmulator } from "../helpers/with-emulator";
import { jsonLines, killUnfinished, recordIn, startCleanup, type Finished, type Running } from "./helpers/cleanup-command";
import { PASSPHRASE, until } from "./helpers/cli-stack";
import { startHoldingProxy, type HoldingProxy } from "./helpers/holding-proxy";

jest.setTimeout(420_000);

const BUCKET = "cleanups";
const PREFIX = "shared";
const project = (n: number) => `ocid1.queryserviceproject.oc1.iad.shared${n}`;

interface Scene {
  emu: Emulator;
  creds: EmulatorCredentials;
  proxy: HoldingProxy;
  store: ObjectStore;
  /** The s3:// backend URL every runner is given with --backend-url. */
  backendUrl: string;
  dir: string;
}

async function withScene(fn: (scene: Scene) => Promise<void>, { cancelDelayMs = 500 } = {}): Promise<void> {
  await withEmulator(
    async (emu, creds) => {
      const dir = mkdtempSync(path.join(tmpdir(), "qec-shared-backend-"));
      const store = await startObjectStore();
      const proxy = await startHoldingProxy(emu.url);
      try {
        await fn({ emu, creds, proxy, store, backendUrl: store.bucket(BUCKET, PREFIX), dir });
      } finally {
        killUnfinished();
        await proxy.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { cancelDelayMs },
  );
}

/** One runner on host `host`: a machine of its own, sharing only the bucket and the passphrase. */
function runner(scene: Scene, host: string, args: string[]): Running {
  const own = path.join(scene.dir, host);
  for (const sub of ["home", "pulumi-home", "tmp", "cwd"]) mkdirSync(path.join(own, sub), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...pulumiEnv(findPulumiCli(), { home: path.join(own, "pulumi-home"), backendDir: path.join(own, "unused"), passphrase: PASSPHRASE }),
    ...scene.store.env,
    HOME: path.join(own, "home"),
    TMPDIR: path.join(own, "tmp"),
  };
  delete env.PULUMI_BACKEND_URL; // the flag names the backend, as the README's recipe does
  const connection = ["--endpoint", scene.proxy.url, "--config-file", scene.creds.configFile];
  return startCleanup([...args, ...connection, "--backend-url", scene.backendUrl, "--yes", "--json"], { cwd: path.join(own, "cwd"), env, host });
}

/** What the bucket holds for a project's stack (the posix gateway keeps each object as a file). */
const bucketRecord = (scene: Scene, projectId: string) => recordIn(path.join(scene.store.root, BUCKET, PREFIX), projectId);

const cancelsSent = (emu: Emulator) => emu.requests("CancelQueryExecution").map((r) => r.path.split("/")[5]!);
const sorted = (ids: string[]) => [...ids].sort();
const explain = (f: Finished) => ({ code: f.code, stderr: f.code === 0 ? "" : f.stderr });

describe("oci-query-cleanup runners sharing an S3-compatible backend, through the real pulumi CLI", () => {
  test("two runners started together on one project: the one that meets the lock waits, every match is cancelled once, both exit 0", async () => {
    await withScene(async (scene) => {
      const ids = [1, 2, 3].map(() => scene.emu.store.addExecution({ projectId: project(0), lifecycleState: "IN_PROGRESS" }).id);
      // Whoever takes the lock first is held at its first cancel, so the other must meet the lock.
      scene.proxy.holdAnswers({ method: "POST", pathIncludes: "/actions/cancel" });
      const runners = ["runner-1", "runner-2"].map((host) => runner(scene, host, ["--project-id", project(0)]));
      await scene.proxy.heldAnswer();
      await until(
        "a runner to wait for the lock",
        () => runners.some((r) => /is locked by another update \(pid \d+ on runner-[12] since .*\): trying again in/.test(r.stderr())),
        240_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; the runners said:\n${runners.map((r) => r.stderr()).join("\n---\n")}`);
      });
      scene.proxy.release();

      const finished = await Promise.all(runners.map((r) => r.done));
      expect(finished.map(explain)).toEqual([
        { code: 0, stderr: "" },
        { code: 0, stderr: "" },
      ]);
      const results = finished.flatMap(jsonLines);
      expect(sorted(results.flatMap((r) => r.cancelled))).toEqual(sorted(ids));
      expect(results.flatMap((r) => r.failed)).toEqual([]);
      expect(sorted(cancelsSent(scene.emu))).toEqual(sorted(ids));
      expect(ids.map((id) => scene.emu.effectiveCancels(id))).toEqual([1, 1, 1]);
      expect(bucketRecord(scene, project(0))).toEqual({ ids: sorted(ids), pending: [], locks: [] });
    });
  });

  test("five runners with --shard on ten projects: each project is run by exactly one runner, each match cancelled once", async () => {
    await withScene(async (scene) => {
      const projects = Array.from({ length: 10 }, (_, i) => project(i + 1));
      const ids = new Map(projects.map((p) => [p, [1, 2].map(() => scene.emu.store.addExecution({ projectId: p, lifecycleState: "IN_PROGRESS" }).id)]));
      const list = projects.flatMap((p) => ["--project-id", p]);
      const runners = [1, 2, 3, 4, 5].map((i) => runner(scene, `runner-${i}`, [...list, "--shard", `${i}/5`]));
      const finished = await Promise.all(runners.map((r) => r.done));

      expect(finished.map(explain)).toEqual(finished.map(() => ({ code: 0, stderr: "" })));
      const byRunner = finished.map((f) => jsonLines(f).map((r) => r.projectId));
      expect(sorted(byRunner.flat())).toEqual(sorted(projects));
      finished.forEach((f, i) => expect(f.stderr).toContain(`oci-query-cleanup: shard ${i + 1}/5: ${byRunner[i]!.length} of the 10 projects`));
      for (const result of finished.flatMap(jsonLines)) {
        expect(result).toEqual({
          projectId: result.projectId,
          preview: false,
          matched: 2,
          cancelled: sorted(ids.get(result.projectId)!),
          kept: [],
          alreadyTerminal: [],
          failed: [],
        });
      }
      const all = [...ids.values()].flat();
      expect(sorted(cancelsSent(scene.emu))).toEqual(sorted(all));
      for (const p of projects) expect(bucketRecord(scene, p)).toEqual({ ids: sorted(ids.get(p)!), pending: [], locks: [] });
    });
  });

  test("a runner SIGKILLed mid-update: another host waits and never removes its lock; the next run on the dead run's host unlocks and both converge with no second cancel", async () => {
    await withScene(
      async (scene) => {
        const id = scene.emu.store.addExecution({ projectId: project(0), lifecycleState: "IN_PROGRESS" }).id;
        const args = ["--project-id", project(0)];
        scene.proxy.holdAnswers({ method: "POST", pathIncludes: "/actions/cancel" });
        const killed = runner(scene, "runner-a", args);
        await scene.proxy.heldAnswer();
        killed.killAll();
        await killed.done;
        scene.proxy.release(); // the answer goes nowhere: the engine that asked is gone
        expect(scene.emu.effectiveCancels(id)).toBe(1);
        const left = bucketRecord(scene, project(0)).locks;
        expect(left).toHaveLength(1);

        const other = await runner(scene, "runner-b", [...args, "--lock-wait", "3s"]).done;
        expect(other.code).toBe(1);
        const [skipped] = jsonLines(other);
        expect(skipped!.failed).toEqual([
          {
            queryExecutionId: null,
            error: expect.stringMatching(
              /^stack \S+ is locked by another update \(pid \d+ on runner-a since [^)]+\): .* so this run did nothing\. It waited \d+ s for it \(--lock-wait\)\./,
            ),
          },
        ]);
        expect(other.stderr).toMatch(/trying again in/);
        expect(other.stderr).not.toContain("was left locked");
        expect(bucketRecord(scene, project(0)).locks).toEqual(left);

        const sameHost = await runner(scene, "runner-a", args).done;
        expect(explain(sameHost)).toEqual({ code: 0, stderr: "" });
        expect(sameHost.stderr).toMatch(
          /was left locked by a run on this machine that no longer runs \(pid \d+ on runner-a since [^)]+\): unlocking it \(pulumi cancel\) and going on/,
        );
        expect(jsonLines(sameHost)).toEqual([
          { projectId: project(0), preview: false, matched: 1, cancelled: [], kept: [id], alreadyTerminal: [], failed: [] },
        ]);

        const otherAgain = await runner(scene, "runner-b", args).done;
        expect(explain(otherAgain)).toEqual({ code: 0, stderr: "" });
        expect(jsonLines(otherAgain)).toEqual([
          { projectId: project(0), preview: false, matched: 1, cancelled: [], kept: [id], alreadyTerminal: [], failed: [] },
        ]);
        expect(cancelsSent(scene.emu)).toEqual([id]);
        expect(bucketRecord(scene, project(0))).toEqual({ ids: [id], pending: [], locks: [] });
      },
      { cancelDelayMs: 600_000 },
    );
  });

  test("the object store restarted mid-update: the engine's own write retries carry the run over it, every match is cancelled and recorded once", async () => {
    await withScene(async (scene) => {
      const ids = [1, 2, 3].map(() => scene.emu.store.addExecution({ projectId: project(0), lifecycleState: "IN_PROGRESS" }).id);
      scene.proxy.holdAnswers({ method: "POST", pathIncludes: "/actions/cancel" });
      const running = runner(scene, "runner-a", ["--project-id", project(0)]);
      await scene.proxy.heldAnswer();
      await scene.store.stop();
      scene.proxy.release(); // the engine now records the accepted cancels into a store that is down
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await scene.store.start();

      const finished = await running.done;
      expect(explain(finished)).toEqual({ code: 0, stderr: "" });
      expect(jsonLines(finished)).toEqual([
        { projectId: project(0), preview: false, matched: 3, cancelled: sorted(ids), kept: [], alreadyTerminal: [], failed: [] },
      ]);
      expect(sorted(cancelsSent(scene.emu))).toEqual(sorted(ids));
      expect(bucketRecord(scene, project(0))).toEqual({ ids: sorted(ids), pending: [], locks: [] });
    });
  });

  test("the object store down when a run reaches it: the run fails with one line naming the backend, and after the restart the next run converges", async () => {
    await withScene(async (scene) => {
      const ids = [1, 2].map(() => scene.emu.store.addExecution({ projectId: project(0), lifecycleState: "IN_PROGRESS" }).id);
      const args = ["--project-id", project(0)];
      expect(explain(await runner(scene, "runner-a", ["--project-id", project(1)]).done)).toEqual({ code: 0, stderr: "" }); // the bucket is in use
      // The store goes down while the run's preview lists the project.
      scene.proxy.holdAnswers({ method: "GET", pathIncludes: "/queryExecutions" });
      const cut = runner(scene, "runner-a", args);
      await scene.proxy.heldAnswer();
      await scene.store.stop();
      scene.proxy.release();
      const failed = await cut.done;
      expect(failed.code).toBe(1);
      const [result] = jsonLines(failed);
      expect(result!.failed).toEqual([
        {
          queryExecutionId: null,
          error: expect.stringMatching(
            /^the backend s3:\/\/cleanups\/shared\?endpoint=\S+ could not be read or written \(dial tcp 127\.0\.0\.1:\d+: connect: connection refused\): this run stopped/,
          ),
        },
      ]);
      expect(cancelsSent(scene.emu)).toEqual([]);

      await scene.store.start();
      const next = await runner(scene, "runner-a", args).done;
      expect(explain(next)).toEqual({ code: 0, stderr: "" });
      expect(jsonLines(next)).toEqual([
        { projectId: project(0), preview: false, matched: 2, cancelled: sorted(ids), kept: [], alreadyTerminal: [], failed: [] },
      ]);
      expect(sorted(cancelsSent(scene.emu))).toEqual(sorted(ids));
      expect(bucketRecord(scene, project(0))).toEqual({ ids: sorted(ids), pending: [], locks: [] });
    });
  });
});
