// One project's cleanup stack, driven by Pulumi's Automation API: an inline program around
// QueryExecutionCleanup, run by the `pulumi` CLI on PATH against the chosen backend.

import { ConcurrentUpdateError, LocalWorkspace, type EngineEvent, type OpMap, type PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { hostname } from "node:os";
import { planCleanup, QueryExecutionCleanup, type CleanupPlan, type QueryExecutionCleanupArgs } from "../provider/cleanup.js";
import type { Backend } from "./backend.js";
import { describeLocks, isRunning, locksAreStale, readLocks } from "./stack-lock.js";
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
}

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
    const stack = await LocalWorkspace.createOrSelectStack(
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
    return new CleanupStack(stack, settings, seen);
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
    return summarise({ projectId, preview, plan: this.program.plan, steps: outcome.collector.steps(), runError: outcome.error });
  }

  private async operate(kind: "preview" | "update", retried = false): Promise<{ collector: StepCollector; summary?: OpMap; error?: string }> {
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
      if (e instanceof ConcurrentUpdateError) {
        if (!retried && this.unlockIfStale()) {
          try {
            await this.stack.cancel();
          } catch (unlockError) {
            return { collector, error: `${this.lockedMessage()} (unlocking it failed: ${cliError(unlockError, this.settings.backend)})` };
          }
          return this.operate(kind, true);
        }
        return { collector, error: this.lockedMessage() };
      }
      return { collector, error: this.failure(e, collector) };
    } finally {
      stop();
    }
  }

  /** True (after saying so) when the stack's lock was left by a killed run on this machine. */
  private unlockIfStale(): boolean {
    const { backend, stackName, log } = this.settings;
    if (!backend.folder) return false;
    const locks = readLocks(backend.folder, stackName);
    if (!locksAreStale(locks, { hostname: hostname(), isRunning })) return false;
    log(`  stack ${stackName} was left locked by a run on this machine that no longer runs (${describeLocks(locks)}): unlocking it (pulumi cancel) and going on`);
    return true;
  }

  private lockedMessage(): string {
    const { backend, stackName } = this.settings;
    const locks = backend.folder ? readLocks(backend.folder, stackName) : [];
    const holder = locks.length > 0 ? ` (${describeLocks(locks)})` : "";
    return (
      `stack ${stackName} is locked by another update${holder}: another oci-query-cleanup or pulumi up is running on it, ` +
      "so this run did nothing. Run again when it has finished. If none is running (one was killed), unlock the stack with " +
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
  const lines = text.split(backend.url).join(backend.shown).split("\n").map((l) => l.trim());
  return lines.filter((l) => l.startsWith("error:")).join(" ") || lines.filter(Boolean).pop() || "the Pulumi CLI failed";
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
