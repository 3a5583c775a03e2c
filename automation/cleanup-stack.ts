// One project's cleanup stack, driven by Pulumi's Automation API: an inline program around
// QueryExecutionCleanup, run by the `pulumi` CLI on PATH against the chosen backend.

import {
  ConcurrentUpdateError,
  LocalWorkspace,
  StackAlreadyExistsError,
  type EngineEvent,
  type OpMap,
  type PulumiCommand,
  type Stack,
} from "@pulumi/pulumi/automation";
import { rmSync } from "node:fs";
import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { planCleanup, QueryExecutionCleanup, type CleanupPlan, type QueryExecutionCleanupArgs } from "../provider/cleanup.js";
import type { Backend } from "./backend.js";
import { describeBackendFailure, isBackendFailure, NOT_RECORDED } from "./backend-problem.js";
import { withHostMutex } from "./host-mutex.js";
import { nextLockWaitMs } from "./lock-wait.js";
import { describeLocks, isRunning, locksAreStale, locksInEngineMessage, readLocks, type StackLock } from "./stack-lock.js";
import { PULUMI_PROJECT } from "./stack-name.js";
import { StepCollector, summarise, type ProjectResult } from "./summary.js";

export interface CleanupStackSettings {
  args: QueryExecutionCleanupArgs;
  /** As the Automation API selects it: `name` or `org/project/name`. */
  stackName: string;
  backend: Backend;
  /** The `pulumi` on PATH. */
  pulumi: PulumiCommand;
  /** This process's folder for Pulumi.yaml and the stack settings file, removed when the command exits. */
  workDir: string;
  /**
   * The project's `main`, which is also the working directory the engine starts the
   * dynamic-provider plugin in: a folder from which this package resolves by its own name.
   */
  programDir: string;
  /** Progress lines (stderr). */
  log: (line: string) => void;
  /** How long a run waits, in total, for a stack another run has locked (`--lock-wait`); 0: not at all. */
  lockWaitMs: number;
  /** Aborted by SIGINT/SIGTERM: a run waiting for a lock stops waiting. */
  stop?: AbortSignal;
}

/** One try of a preview or update: its result, or the locks that refused it. */
type Attempt = { collector: StepCollector; summary?: OpMap; error?: string } | { collector: StepCollector; locked: StackLock[] };

/** What the inline program saw in its latest run. */
interface ProgramRun {
  plan?: CleanupPlan;
  error?: string;
}

const HEARTBEAT_MS = 15_000;

export class CleanupStack {
  private constructor(
    private readonly stack: Stack,
    private readonly settings: CleanupStackSettings,
    private readonly program: ProgramRun,
  ) {}

  /** Creates the stack on first use, else selects it. */
  static async open(settings: CleanupStackSettings): Promise<CleanupStack> {
    const seen: ProgramRun = {};
    const { args } = settings;
    const program = async () => {
      seen.plan = undefined;
      seen.error = undefined;
      try {
        seen.plan = await planCleanup(args);
      } catch (e) {
        seen.error = e instanceof Error ? e.message : String(e);
        throw e;
      }
      const cleanup = new QueryExecutionCleanup("cleanup", args, seen.plan);
      return { queryExecutionIds: cleanup.queryExecutionIds };
    };
    const createOrSelect = () =>
      LocalWorkspace.createOrSelectStack(
        { stackName: settings.stackName, projectName: PULUMI_PROJECT, program },
        {
          workDir: settings.workDir,
          pulumiCommand: settings.pulumi,
          projectSettings: {
            name: PULUMI_PROJECT,
            runtime: "nodejs",
            main: settings.programDir,
            description: "Cleanup stacks of oci-query-cleanup: one per Query Service project",
          },
          envVars: {
            PULUMI_BACKEND_URL: settings.backend.url,
            // A scheduled job has no one to read "a new version is available".
            PULUMI_SKIP_UPDATE_CHECK: process.env.PULUMI_SKIP_UPDATE_CHECK ?? "true",
          },
        },
      );
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return new CleanupStack(await createOrSelect(), settings, seen);
      } catch (e) {
        // Runners meeting on a stack no one has created yet: the engine locks it to create it
        // ("currently locked"), and the later create finds it made ("already exists"). Selecting it
        // again, a moment later, succeeds; so does any other lock wait.
        if (!(e instanceof ConcurrentUpdateError || e instanceof StackAlreadyExistsError)) throw e;
        const delay = settings.stop?.aborted
          ? undefined
          : nextLockWaitMs({ attempt, elapsedMs: Date.now() - started, budgetMs: settings.lockWaitMs, random: Math.random });
        if (delay === undefined) throw e;
        settings.log(`  stack ${settings.stackName} is being created or updated by another run: selecting it again in ${(delay / 1000).toFixed(1)} s`);
        await sleep(delay, undefined, { signal: settings.stop });
      }
    }
  }

  /**
   * One run. `--yes` previews first and updates only when something would change, so a run with
   * nothing new to cancel writes nothing to the backend.
   */
  async run(preview: boolean): Promise<ProjectResult> {
    const { projectId } = this.settings.args;
    let outcome = await this.operate("preview");
    if (!preview && !outcome.error && changes(outcome.summary)) {
      outcome = await this.operate("update");
      if (!outcome.error && outcome.collector.warningsSeen().some((w) => w.includes("pending operations"))) await this.clearPendingCreates();
    }
    const result = summarise({ projectId, preview, plan: this.program.plan, steps: outcome.collector.steps(), runError: outcome.error });
    // One line for the backend, not its raw error again on every cancellation it cut short.
    if (outcome.error && isBackendFailure(outcome.error)) {
      result.failed = result.failed.map((f) => (f.queryExecutionId !== null && isBackendFailure(f.error) ? { ...f, error: NOT_RECORDED } : f));
    }
    return result;
  }

  /**
   * A preview or update. A stack another run holds is tried again after a jittered delay until
   * `lockWaitMs` is spent; a lock a dead run of this machine left is removed once, and only it.
   */
  private async operate(kind: "preview" | "update"): Promise<{ collector: StepCollector; summary?: OpMap; error?: string }> {
    const { lockWaitMs, stop, log, stackName } = this.settings;
    const started = Date.now();
    let unlocked = false;
    for (let attempt = 1; ; attempt++) {
      let outcome = await this.attempt(kind);
      if (!("locked" in outcome)) return outcome;
      if (!unlocked && locksAreStale(outcome.locked, here())) {
        unlocked = true;
        const recovery = await withHostMutex(`${this.settings.backend.url}\n${stackName}`, () => this.unlockStale(kind));
        // Not held: another run of this machine is removing that lock right now; wait like any other run.
        if (recovery.held) outcome = recovery.value;
        if (!("locked" in outcome)) return outcome;
      }
      const waited = Date.now() - started;
      const delay = stop?.aborted ? undefined : nextLockWaitMs({ attempt, elapsedMs: waited, budgetMs: lockWaitMs, random: Math.random });
      if (delay === undefined) return { collector: outcome.collector, error: this.lockedMessage(outcome.locked, waited) };
      log(
        `  stack ${stackName} is locked by another update${holders(outcome.locked)}: trying again in ${(delay / 1000).toFixed(1)} s (waited ${Math.round(waited / 1000)} s of ${Math.round(lockWaitMs / 1000)} s)`,
      );
      try {
        await sleep(delay, undefined, { signal: stop });
      } catch {
        return { collector: outcome.collector, error: this.lockedMessage(outcome.locked, Date.now() - started) };
      }
    }
  }

  private async attempt(kind: "preview" | "update"): Promise<Attempt> {
    const { log, args } = this.settings;
    const collector = new StepCollector();
    const stop = heartbeat(log, `${args.projectId}: ${kind}`, kind === "update" ? collector : undefined);
    const onEvent = (event: EngineEvent) => {
      collector.onEvent(event);
      const d = event.diagnosticEvent;
      if (d && (d.severity === "info" || d.severity === "info#err") && !d.ephemeral && d.message.trim()) log(`  ${d.message.trim()}`);
    };
    try {
      if (kind === "preview") return { collector, summary: (await this.stack.preview({ onEvent })).changeSummary };
      return { collector, summary: (await this.stack.up({ onEvent, continueOnError: true })).summary.resourceChanges };
    } catch (e) {
      if (e instanceof ConcurrentUpdateError) return { collector, locked: this.locksOf(e) };
      return { collector, error: this.failure(e, collector) };
    } finally {
      stop();
    }
  }

  /**
   * Who holds the lock now: a file backend's lock files (read again, with their paths), else the
   * holders the engine's refusal names (it listed them in the backend a moment ago).
   */
  private locksOf(e: ConcurrentUpdateError): StackLock[] {
    const { backend, stackName } = this.settings;
    return backend.folder ? readLocks(backend.folder, stackName) : locksInEngineMessage(e.message);
  }

  /**
   * Holding this machine's mutex for the stack: tries once more (the lock may be gone, or held by a
   * live run now), and only when the locks it meets are still all stale removes them and tries again.
   * A file backend loses exactly those lock files; any other DIY backend gets `pulumi cancel`, which
   * removes every lock file of the stack that it lists.
   */
  private async unlockStale(kind: "preview" | "update"): Promise<Attempt> {
    const { backend, stackName, log } = this.settings;
    const fresh = await this.attempt(kind);
    if (!("locked" in fresh) || !locksAreStale(fresh.locked, here())) return fresh;
    const how = backend.folder ? "removing its lock file" : "pulumi cancel";
    log(
      `  stack ${stackName} was left locked by a run on this machine that no longer runs (${describeLocks(fresh.locked)}): unlocking it (${how}) and going on`,
    );
    try {
      if (backend.folder) for (const lock of fresh.locked) for (const file of [lock.where!, `${lock.where!}.attrs`]) rmSync(file, { force: true });
      else await this.stack.cancel();
    } catch (unlockError) {
      const message = cliError(unlockError, backend);
      return { collector: fresh.collector, error: `${this.lockedMessage(fresh.locked, 0)} (unlocking it failed: ${message})` };
    }
    return this.attempt(kind);
  }

  private lockedMessage(locks: StackLock[], waitedMs: number): string {
    const { backend, stackName, lockWaitMs } = this.settings;
    const waited = lockWaitMs > 0 ? ` It waited ${Math.round(waitedMs / 1000)} s for it (--lock-wait).` : "";
    return (
      `stack ${stackName} is locked by another update${holders(locks)}: another oci-query-cleanup or pulumi up is running on it, ` +
      `so this run did nothing.${waited} Run again when it has finished. If none is running (one was killed), unlock the stack with ` +
      `\`PULUMI_BACKEND_URL=${backend.shown} pulumi cancel --yes --stack ${stackName}\` and run again.`
    );
  }

  /**
   * A killed update leaves its creates pending in the state, and the engine warns about them on
   * every run until they are cleared. The run just made has declared each one again (its create
   * looked at the execution first, so nothing was cancelled twice), so the record can go.
   */
  private async clearPendingCreates(): Promise<void> {
    const { log, backend } = this.settings;
    log(`  clearing the creates an interrupted run left pending (pulumi refresh --clear-pending-creates)`);
    try {
      await this.stack.refresh({ clearPendingCreates: true });
    } catch (e) {
      // The update itself succeeded; the engine only goes on warning until a later run clears them.
      log(`  clearing them failed, the next run tries again: ${cliError(e, backend)}`);
    }
  }

  private failure(e: unknown, collector: StepCollector): string | undefined {
    if (this.program.error) return `listing the project's query executions failed: ${this.program.error}`;
    const engine = collector.errors();
    const stepErrors = [...collector.steps().values()].flatMap((s) => (s.error ? [s.error] : []));
    // A file backend's failures (a full disk) say what they are; an object store's are network words.
    const unreachable = this.settings.backend.folder
      ? undefined
      : describeBackendFailure([...engine, ...stepErrors, cliError(e, this.settings.backend)].join("\n"), this.settings.backend.shown);
    if (unreachable) return unreachable;
    // Failed cancellations, and nothing else, are reported with their executions.
    if (engine.length === 0 && [...collector.steps().values()].some((s) => s.error)) return undefined;
    const message = engine.length > 0 ? engine.join("; ") : cliError(e, this.settings.backend);
    if (this.settings.backend.folder && message.includes("failed to load checkpoint: EOF")) {
      return (
        `${message}: a kill while the checkpoint was being written left its empty ${this.settings.stackName.split("/").pop()}.json.attrs in ` +
        `${this.settings.backend.folder}/.pulumi/stacks/${PULUMI_PROJECT}/; the checkpoint itself is complete: delete that file and run again`
      );
    }
    // Ctrl-C in a terminal reaches pulumi too: it lets the steps in flight finish, records them and stops.
    if (/\b(update|preview) canceled\b/.test(message)) {
      return `the ${/preview/.test(message) ? "preview" : "update"} was interrupted (SIGINT reached pulumi): what it finished is recorded; the next run does the rest`;
    }
    return message;
  }
}

/**
 * The CLI's own "error:" lines from a failed command (the Automation API's message holds all its
 * output), with the backend URL shown without its credentials should the CLI repeat it.
 */
export function cliError(e: unknown, backend: Backend): string {
  const text = String((e as { commandResult?: { stderr?: string } }).commandResult?.stderr || (e as Error)?.message || e);
  const lines = text
    .split(backend.url)
    .join(backend.shown)
    .split("\n")
    .map((l) => l.trim());
  return lines.filter((l) => l.startsWith("error:")).join(" ") || lines.filter(Boolean).pop() || "the Pulumi CLI failed";
}

/** This machine, as a stack lock records it. */
function here(): { hostname: string; isRunning: (pid: number) => boolean } {
  return { hostname: hostname(), isRunning };
}

function holders(locks: StackLock[]): string {
  return locks.length > 0 ? ` (${describeLocks(locks)})` : "";
}

function changes(summary: OpMap | undefined): boolean {
  return Object.entries(summary ?? {}).some(([op, count]) => op !== "same" && (count ?? 0) > 0);
}

/** A line every HEARTBEAT_MS while the engine runs, so a long run is not silent; for an update, with counts. */
function heartbeat(log: (line: string) => void, what: string, collector: StepCollector | undefined): () => void {
  const started = Date.now();
  const timer = setInterval(() => {
    const progress = collector?.progress();
    const counts = progress ? `, ${progress.finished} of ${progress.started} cancellations done` : "";
    log(`  … ${what}: ${Math.round((Date.now() - started) / 1000)} s${counts}`);
  }, HEARTBEAT_MS);
  timer.unref();
  return () => clearInterval(timer);
}
