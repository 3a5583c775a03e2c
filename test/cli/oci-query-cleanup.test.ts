// `oci-query-cleanup` as users run it: the built bin (and, once, the packed package installed in a
// project), the real `pulumi` CLI on PATH, a file backend and the emulator. Every run is a child
// process of its own, so a test can signal it alone, or kill everything it started as a lost
// machine would.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Emulator, EmulatorCredentials } from "../../emulator/index";
import { findPulumiCli, pulumiEnv, ROOT } from "../../dev/pulumi/pulumi-cli";
import { withEmulator } from "../helpers/with-emulator";
import { jsonLines, killUnfinished, recordIn, startCleanup, type Running } from "./helpers/cleanup-command";
import { PASSPHRASE, until } from "./helpers/cli-stack";
import { startHoldingProxy, type HoldingProxy } from "./helpers/holding-proxy";

jest.setTimeout(300_000);

const STACK = "ocid1.queryserviceproject.oc1.iad.emulator"; // the default stack name is the project id
const LOCKED =
  /^stack ocid1\.queryserviceproject\.oc1\.iad\.emulator is locked by another update \(pid \d+ on .+\): another oci-query-cleanup or pulumi up is running on it, so this run did nothing\./;

/** A folder per test: the file backend, PULUMI_HOME, and an unrelated working directory. */
interface Scene {
  emu: Emulator;
  creds: EmulatorCredentials;
  proxy: HoldingProxy;
  dir: string;
  backendDir: string;
  env: NodeJS.ProcessEnv;
  /** The connection flags, through the proxy. */
  connection: string[];
}

/** `cancelDelayMs`: how long the emulator keeps a cancelled execution CANCELING. */
async function withScene(fn: (scene: Scene) => Promise<void>, { cancelDelayMs = 500 } = {}): Promise<void> {
  const cli = findPulumiCli();
  await withEmulator(
    async (emu, creds) => {
      const dir = mkdtempSync(path.join(tmpdir(), "qec-cleanup-cli-"));
      const backendDir = path.join(dir, "backend");
      mkdirSync(backendDir);
      mkdirSync(path.join(dir, "cwd"));
      mkdirSync(path.join(dir, "tmp"));
      // TMPDIR: the command's temporary workDir, which a SIGKILLed run cannot remove, goes with the test's folder.
      const env = { ...pulumiEnv(cli, { home: path.join(dir, "pulumi-home"), backendDir, passphrase: PASSPHRASE }), TMPDIR: path.join(dir, "tmp") };
      const proxy = await startHoldingProxy(emu.url);
      try {
        await fn({ emu, creds, proxy, dir, backendDir, env, connection: ["--endpoint", proxy.url, "--config-file", creds.configFile] });
      } finally {
        // A failed assertion must not leave a --every loop (or anything it started) running.
        killUnfinished();
        await proxy.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { cancelDelayMs },
  );
}

function start(scene: Scene, args: string[], options: { command?: string; env?: NodeJS.ProcessEnv } = {}): Running {
  return startCleanup(args, { cwd: path.join(scene.dir, "cwd"), env: options.env ?? scene.env, command: options.command });
}

const run = (scene: Scene, args: string[], options?: { command?: string; env?: NodeJS.ProcessEnv }) => start(scene, args, options).done;

const cancelsSent = (emu: Emulator) => emu.requests("CancelQueryExecution").map((r) => r.path.split("/")[5]);

const backendState = (scene: Scene) => recordIn(scene.backendDir, STACK);

const sorted = (ids: string[]) => [...ids].sort();

/** One active execution, and a `--yes --json` run whose cancel the service has applied but not yet answered. */
async function startWithCancelHeld(scene: Scene): Promise<{ id: string; args: string[]; running: Running }> {
  const id = scene.emu.store.addExecution({ lifecycleState: "IN_PROGRESS" }).id;
  const args = ["--project-id", STACK, ...scene.connection, "--yes", "--json"];
  scene.proxy.holdAnswers({ method: "POST", pathIncludes: "/actions/cancel" });
  const running = start(scene, args);
  await scene.proxy.heldAnswer();
  return { id, args, running };
}

describe("oci-query-cleanup against the emulator, through the real pulumi CLI", () => {
  test("--preview lists the matches and sends no cancel; --yes cancels each once; a second run cancels nothing and keeps them", async () => {
    await withScene(async (scene) => {
      const { emu, connection } = scene;
      const a = emu.store.addExecution({ name: "adhoc-a", lifecycleState: "IN_PROGRESS" }).id;
      const b = emu.store.addExecution({ name: "adhoc-b", lifecycleState: "ACCEPTED" }).id;
      const other = emu.store.addExecution({ name: "nightly-etl", lifecycleState: "IN_PROGRESS" }).id;
      emu.store.addExecution({ name: "adhoc-done", lifecycleState: "SUCCEEDED" });
      const select = ["--project-id", STACK, "--name", "^adhoc-", ...connection];

      const preview = await run(scene, [...select, "--preview", "--json"]);
      expect(preview.code).toBe(0);
      expect(jsonLines(preview)).toEqual([
        { projectId: STACK, preview: true, matched: 2, cancelled: sorted([a, b]), kept: [], alreadyTerminal: [], failed: [] },
      ]);
      expect(preview.stderr).toContain(`oci-query-cleanup: ${STACK}: preview of stack ${STACK}`);
      expect(emu.requests("CancelQueryExecution")).toEqual([]);

      const apply = await run(scene, [...select, "--yes", "--json"]);
      expect(apply.code).toBe(0);
      const [applied] = jsonLines(apply);
      expect(applied).toEqual({ projectId: STACK, preview: false, matched: 2, cancelled: sorted([a, b]), kept: [], alreadyTerminal: [], failed: [] });
      // What the JSON says is what the service saw: one accepted cancel per id, nothing else.
      expect(sorted(cancelsSent(emu))).toEqual(applied!.cancelled);
      expect([a, b, other].map((id) => emu.effectiveCancels(id))).toEqual([1, 1, 0]);

      const again = await run(scene, [...select, "--yes"]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain("matched 2: cancelled 0, kept 2, already terminal 0, failed 0");
      for (const id of [a, b]) expect(again.stdout).toMatch(new RegExp(`^  ${id.replace(/\./g, "\\.")} +kept \\(cancelled before\\)$`, "m"));
      expect(emu.requests("CancelQueryExecution")).toHaveLength(2);
      expect(backendState(scene)).toEqual({ ids: sorted([a, b]), pending: [], locks: [] });
    });
  });

  test("--every picks up a new match on its next round, and SIGTERM during an update finishes it before stopping", async () => {
    await withScene(async (scene) => {
      const { emu, proxy } = scene;
      const first = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" }).id;
      const loop = start(scene, ["--project-id", STACK, ...scene.connection, "--yes", "--json", "--every", "1s"]);
      await until("the first round's result", () => jsonLines({ stdout: loop.stdout() }).length >= 1);
      expect(jsonLines({ stdout: loop.stdout() })[0]).toMatchObject({ cancelled: [first], kept: [] });

      // The next execution's cancel is held after the service applied it: the update is in flight.
      proxy.holdAnswers({ method: "POST", pathIncludes: "/actions/cancel" });
      const next = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" }).id;
      await proxy.heldAnswer();
      loop.signal("SIGTERM");
      await until("the signal to be handled", () => loop.stderr().includes("SIGTERM: finishing the update in flight, then stopping."));
      proxy.release();

      const finished = await loop.done;
      expect(finished.code).toBe(0);
      const rounds = jsonLines(finished);
      expect(rounds.at(-1)).toEqual({ projectId: STACK, preview: false, matched: 2, cancelled: [next], kept: [first], alreadyTerminal: [], failed: [] });
      expect(rounds.flatMap((r) => r.cancelled)).toEqual([first, next]);
      expect([first, next].map((id) => emu.effectiveCancels(id))).toEqual([1, 1]);
      expect(backendState(scene)).toEqual({ ids: sorted([first, next]), pending: [], locks: [] });
    });
  });

  test("a rejected cancel fails only its execution: the others are cancelled, the run exits 1, and the next run cancels it", async () => {
    await withScene(async (scene) => {
      const { emu } = scene;
      const fine = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" }).id;
      const rejected = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" }).id;
      emu.faults.add({
        operation: "CancelQueryExecution",
        queryExecutionId: rejected,
        times: 1,
        respond: { status: 400, code: "InvalidParameter", message: "rehearsed rejection" },
      });
      const args = ["--project-id", STACK, ...scene.connection, "--yes", "--json"];

      const first = await run(scene, args);
      expect(first.code).toBe(1);
      const [result] = jsonLines(first);
      expect(result).toMatchObject({ matched: 2, cancelled: [fine], kept: [], alreadyTerminal: [] });
      // Only the provider's own message, once: not the engine's "update failed" or the program's echo of it.
      expect(result!.failed).toEqual([
        { queryExecutionId: rejected, error: expect.stringMatching(/^CancelQueryExecution failed: 400 InvalidParameter "rehearsed rejection" \(POST /) },
      ]);

      const second = await run(scene, args);
      expect(second.code).toBe(0);
      expect(jsonLines(second)).toEqual([
        { projectId: STACK, preview: false, matched: 2, cancelled: [rejected], kept: [fine], alreadyTerminal: [], failed: [] },
      ]);
      expect([fine, rejected].map((id) => emu.effectiveCancels(id))).toEqual([1, 1]);
    });
  });

  test("a second run while one is updating the stack does nothing and says the stack is locked; the first applies", async () => {
    await withScene(async (scene) => {
      const { emu, proxy } = scene;
      const { id, args, running: firstRun } = await startWithCancelHeld(scene);

      // --lock-wait 0: the first run is held until this one has finished, so waiting could only time out.
      const second = await run(scene, [...args, "--lock-wait", "0"]);
      expect(second.code).toBe(1);
      const [blocked] = jsonLines(second);
      expect(blocked).toMatchObject({ projectId: STACK, preview: false, matched: 1, cancelled: [], kept: [], alreadyTerminal: [] });
      expect(blocked!.failed).toHaveLength(1);
      expect(blocked!.failed[0]!.queryExecutionId).toBeNull();
      expect(blocked!.failed[0]!.error).toMatch(LOCKED);
      expect(blocked!.failed[0]!.error).toContain(`pulumi cancel --yes --stack ${STACK}`);

      proxy.release();
      const first = await firstRun.done;
      expect(first.code).toBe(0);
      expect(jsonLines(first)).toEqual([{ projectId: STACK, preview: false, matched: 1, cancelled: [id], kept: [], alreadyTerminal: [], failed: [] }]);
      expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
    });
  });

  test("a run killed with everything it started after the service accepted the cancel is followed by one that unlocks and converges without a second cancel", async () => {
    await withScene(
      async (scene) => {
        const { emu, proxy } = scene;
        const { id, args, running: killed } = await startWithCancelHeld(scene);
        killed.killAll();
        await killed.done;
        proxy.release(); // the answer goes nowhere: the engine that asked is gone
        expect(emu.effectiveCancels(id)).toBe(1);
        expect(backendState(scene).locks).toHaveLength(1);

        const rerun = await run(scene, args);
        expect(rerun.code).toBe(0);
        expect(rerun.stderr).toMatch(
          new RegExp(`stack ${STACK.replace(/\./g, "\\.")} was left locked by a run on this machine that no longer runs \\(pid \\d+`),
        );
        // Found still cancelling: recorded, nothing sent.
        expect(jsonLines(rerun)).toEqual([{ projectId: STACK, preview: false, matched: 1, cancelled: [], kept: [id], alreadyTerminal: [], failed: [] }]);
        expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
        expect(emu.effectiveCancels(id)).toBe(1);
        expect(backendState(scene)).toEqual({ ids: [id], pending: [], locks: [] });
      },
      { cancelDelayMs: 600_000 },
    );
  });

  test("a listing with nothing listening on the endpoint exits 1 with its error once and no counts that say nothing failed", async () => {
    await withScene(async (scene) => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const { port } = closed.address() as { port: number };
      await new Promise((resolve) => closed.close(resolve));
      const finished = await run(scene, [
        "--project-id",
        STACK,
        "--endpoint",
        `http://127.0.0.1:${port}`,
        "--config-file",
        scene.creds.configFile,
        "--preview",
      ]);
      expect(finished.code).toBe(1);
      const lines = finished.stdout.split("\n").filter(Boolean);
      // Before: "matched 0: would cancel 0, kept 0, already terminal 0, failed 0", then the error.
      expect(lines.slice(0, 2)).toEqual([`Project ${STACK} (stack ${STACK}), preview`, "nothing previewed: the run failed (error below)"]);
      expect(lines.slice(2)).toEqual([expect.stringMatching(new RegExp(`^error: listing the project's query executions failed: .*127\\.0\\.0\\.1:${port}`))]);
      expect(finished.stderr).not.toContain("listing the project's query executions failed");
    });
  });

  test("bad flags and configuration exit 2 with a message naming the flag or setting, and send nothing", async () => {
    await withScene(async (scene) => {
      const { emu, connection } = scene;
      emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const project = ["--project-id", STACK];
      const cases: Array<[string[], string, NodeJS.ProcessEnv?]> = [
        [[...project, ...connection], "--preview or --yes is needed"],
        [[...project, ...connection, "--yes", "--max", "0"], '--max: a whole number of at least 1 expected; got "0"'],
        [[...project, ...connection, "--yes", "--every", "15"], '--every: a duration such as 90s, 15m, 1h30m or 1d expected; got "15"'],
        [[...project, ...connection, "--yes", "--name", "adhoc-("], "--name: not a regular expression"],
        [[...project, "--project-id", `${STACK}2`, "--stack", "nightly", ...connection, "--yes"], "--stack: only with a single --project-id"],
        // Before: exit 0, "matched 0", and a stack named after the id in the backend.
        [["--project-id", "not-an-ocid", ...connection, "--preview"], '--project-id: "not-an-ocid" is not an OCID;'],
        [
          [...project, ...connection, "--preview", "--state", "RUNNING"],
          '--state: one of ACCEPTED, IN_PROGRESS, CANCELING, SUCCEEDED, FAILED, CANCELED expected (in any case); got "RUNNING"',
        ],
        [[...project, "--endpoint", "http://queryservice.example.com", "--yes"], "--endpoint: plain http is allowed only to a loopback host"],
        [
          [...project, "--yes"],
          "--endpoint or --region: one is needed",
          { ...scene.env, HOME: scene.dir, OCI_REGION: undefined, OCI_CLI_REGION: undefined, OCI_QUERY_SERVICE_ENDPOINT: undefined },
        ],
        [
          [...project, "--endpoint", scene.proxy.url, "--config-file", path.join(scene.dir, "missing"), "--yes"],
          `OCI config file ${path.join(scene.dir, "missing")} (from the --config-file setting) does not exist`,
        ],
        [[...project, ...connection, "--yes"], "PULUMI_CONFIG_PASSPHRASE: not set.", { ...scene.env, PULUMI_CONFIG_PASSPHRASE: undefined }],
      ];
      for (const [args, message, env] of cases) {
        const finished = await run(scene, args, { env });
        expect({ args, code: finished.code, stdout: finished.stdout }).toEqual({ args, code: 2, stdout: "" });
        expect(finished.stderr).toContain(`oci-query-cleanup: ${message}`);
      }
      expect(emu.requests()).toEqual([]);
      expect(readdirSync(scene.backendDir)).toEqual([]);
    });
  });

  test("the packed package's bin, installed in a project and run from another folder, cancels once", async () => {
    await withScene(async (scene) => {
      const id = scene.emu.store.addExecution({ lifecycleState: "IN_PROGRESS" }).id;
      const project = path.join(scene.dir, "app");
      mkdirSync(project);
      writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "app", private: true }));
      const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", env: scene.env, stdio: ["ignore", "pipe", "pipe"] });
      const tarball = path.join(scene.dir, npm(["pack", "--silent", "--pack-destination", scene.dir], ROOT).trim().split("\n").pop()!);
      // @pulumi/pulumi is a peer dependency: npm installs it beside the package.
      npm(["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], project);

      const installed = path.join(project, "node_modules", "pulumi-oci-query-execution-cancellation");
      // Only the installed copy says this, so the plugin's create must have loaded it from there.
      const implementation = path.join(installed, "dist", "provider", "implementation.js");
      writeFileSync(
        implementation,
        `${readFileSync(implementation, "utf8")}\nconst installedCreate = exports.implementation.create;\nexports.implementation.create = async (...args) => { console.log("create by the installed copy"); return installedCreate(...args); };\n`,
      );

      const command = path.join(project, "node_modules", ".bin", "oci-query-cleanup");
      const finished = await run(scene, ["--project-id", STACK, ...scene.connection, "--yes", "--json"], { command });
      expect({ code: finished.code, stderr: finished.code === 0 ? "" : finished.stderr }).toEqual({ code: 0, stderr: "" });
      expect(finished.stderr).toContain("  create by the installed copy");
      expect(jsonLines(finished)).toEqual([{ projectId: STACK, preview: false, matched: 1, cancelled: [id], kept: [], alreadyTerminal: [], failed: [] }]);
      expect(scene.emu.effectiveCancels(id)).toBe(1);
    });
  });
});
