#!/usr/bin/env node
// `oci-query-cleanup`: cancels every query execution of a project that matches a filter, once or
// on a schedule, through one Pulumi stack per project (the Automation API, README "Automate a cleanup").

import { mkdtempSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { CleanupStack, cliError } from "./cleanup-stack.js";
import { HELP, parseFlags, UsageError, type CleanupOptions } from "./flags.js";
import { ConfigurationProblem, prepare, type Prepared } from "./preflight.js";
import { jsonLine, table } from "./report.js";
import { projectsOfShard } from "./shard.js";
import { defaultStackName } from "./stack-name.js";
import type { ProjectResult } from "./summary.js";

const NAME = "oci-query-cleanup";
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Set by SIGINT/SIGTERM: finish what is in flight, start nothing new. */
let stopping = false;
let wake: () => void = () => {};
/** Aborted with `stopping`: a run waiting for a locked stack stops waiting. */
const stopWaiting = new AbortController();

function onSignal(signal: NodeJS.Signals): void {
  // Without a handler Node would exit at once and take the inline program (and the update) with it.
  if (stopping) {
    log(`${NAME}: ${signal} again: still finishing the update in flight (SIGKILL abandons it and leaves the stack locked).`);
    return;
  }
  stopping = true;
  log(`${NAME}: ${signal}: finishing the update in flight, then stopping.`);
  stopWaiting.abort();
  wake();
}

async function main(argv: string[]): Promise<number> {
  let options: CleanupOptions;
  let prepared: Prepared;
  try {
    const command = parseFlags(argv);
    if (command.help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    options = command.options;
    prepared = await prepare(options, process.env, homedir(), process.cwd());
  } catch (e) {
    if (e instanceof UsageError) log(`${NAME}: ${e.message}\nTry --help.`);
    else if (e instanceof ConfigurationProblem) log(`${NAME}: ${e.message}`);
    else throw e;
    return 2;
  }
  if (options.json) {
    // stdout carries only the JSON lines: anything a library prints goes to stderr.
    console.log = console.error;
    console.info = console.error;
  }

  const projectIds = projectsOfShard(options.projectIds, options.shard);
  if (options.shard) {
    const { index, count } = options.shard;
    log(
      `${NAME}: shard ${index}/${count}: ${projectIds.length} of the ${options.projectIds.length} projects${projectIds.length > 0 ? `: ${projectIds.join(", ")}` : " (the other shards have them)"}`,
    );
  }
  const workDir = mkdtempSync(join(tmpdir(), `${NAME}-`));
  const stacks = new Map<string, CleanupStack>();
  try {
    let code = 0;
    for (;;) {
      code = 0;
      for (const projectId of projectIds) {
        if (stopping) break;
        const result = await runProject(projectId, options, prepared, workDir, stacks);
        print(result, options, stackNameOf(projectId, options));
        if (result.failed.length > 0) code = 1;
      }
      if (options.everyMs === undefined || stopping) return code;
      log(`${NAME}: next run at ${new Date(Date.now() + options.everyMs).toISOString()} (SIGINT or SIGTERM stops)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.everyMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopping) return code;
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function stackNameOf(projectId: string, options: CleanupOptions): string {
  return options.stack ?? defaultStackName(projectId);
}

async function runProject(
  projectId: string,
  options: CleanupOptions,
  prepared: Prepared,
  workDir: string,
  stacks: Map<string, CleanupStack>,
): Promise<ProjectResult> {
  const stackName = stackNameOf(projectId, options);
  log(`${NAME}: ${projectId}: ${options.preview ? "preview" : "run"} of stack ${stackName} (backend ${prepared.backend.shown})`);
  let stack = stacks.get(projectId);
  if (!stack) {
    try {
      stack = await CleanupStack.open({
        args: { projectId, filter: options.filter, ...options.connection },
        stackName,
        backend: prepared.backend,
        pulumi: prepared.pulumi,
        workDir,
        programDir: prepared.programDir,
        log,
        lockWaitMs: options.lockWaitMs,
        stop: stopWaiting.signal,
      });
      stacks.set(projectId, stack);
    } catch (e) {
      const error = `cannot open stack ${stackName} in ${prepared.backend.shown}: ${cliError(e, prepared.backend)}`;
      return { projectId, preview: options.preview, matched: 0, cancelled: [], kept: [], alreadyTerminal: [], failed: [{ queryExecutionId: null, error }] };
    }
  }
  return stack.run(options.preview);
}

function print(result: ProjectResult, options: CleanupOptions, stackName: string): void {
  process.stdout.write(options.json ? `${jsonLine(result)}\n` : `${table(result, stackName)}\n`);
}

process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    log(`${NAME}: ${(e as Error)?.stack ?? String(e)}`);
    process.exitCode = 1;
  },
);
