// The one way the tooling runs the real `pulumi` on a stack in a temp dir (the CLI tests, the bench,
// the soak): `stack init`, the stack's settings file moved out of the program's folder (`stack init`
// writes the passphrase salt there; commands then get `--config-file`), config in one `config
// set-all`, and each command in a process group of its own, like a terminal's foreground job, whose
// whole tree is killed when it outlives its time or when this process exits. Sampling CPU and memory
// (the bench) and signalling or killing a running command (tests, soak) are options of a run.

import { spawn, type ChildProcess } from "node:child_process";
import { renameSync } from "node:fs";
import * as path from "node:path";
import { killTree, processTree } from "./process-tree.js";
import { UsageSampler, type Usage } from "./usage.js";

export interface PulumiRun {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr as the user's terminal shows them, interleaved. */
  output: string;
  /** Wall time, unrounded (performance.now). */
  durationMs: number;
  /** Killed because it outlived `timeoutMs`. */
  timedOut: boolean;
  /** With `sample`: peak memory and CPU time of pulumi, the program and the plugin. */
  usage?: Usage;
}

export interface RunOptions {
  /** Added to the runner's environment for this command. */
  env?: Record<string, string>;
  /** The command's whole process tree is killed after this long; default 150 s. */
  timeoutMs?: number;
  /** Sample peak memory and CPU of the processes the command runs (Linux /proc). */
  sample?: boolean;
  /** Keep only the last this many characters of each output (a long soak's memory); default all. */
  keepChars?: number;
}

/** A running `pulumi` command, for callers that interrupt it. */
export interface RunningPulumi {
  child: ChildProcess;
  /** Resolves when the command has exited, however it ended. */
  done: Promise<PulumiRun>;
  /**
   * Signals pulumi's process group, as Ctrl-C in a terminal or `kill -- -PGID` does. The engine
   * starts its language host and plugins in process groups of their own, so they do not get it.
   */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs pulumi and every process it started (language host, program, plugins): a lost machine. Returns how many. */
  killAll(): number;
  /** The pids of every process pulumi has started and that still runs. */
  processes(): number[];
  /** Everything printed so far. */
  output(): string;
  /** False once the command has exited. */
  running(): boolean;
}

export interface StackPlace {
  /** The `pulumi` binary. */
  pulumi: string;
  /** The environment every command runs in (pulumi-cli.ts's pulumiEnv: home, backend, passphrase). */
  env: NodeJS.ProcessEnv;
  /** The program's folder, where commands run. */
  programDir: string;
  stackName: string;
  /** Where the stack's settings live instead of the program's folder. */
  configFile: string;
}

export interface InitOptions {
  /** Plain-text config; keys without a namespace belong to the project. */
  config?: Record<string, string>;
  /** Secret config, encrypted with the passphrase. */
  secrets?: Record<string, string>;
  /** More arguments for `stack init`, e.g. ["--secrets-provider", "passphrase"]. */
  initArgs?: string[];
  /** Called with the settings file `stack init` wrote into the program's folder, before it is moved. */
  onSettingsWritten?: (file: string) => void;
}

export function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

// pulumi starts its language host and plugins in process groups of their own, so neither a group
// kill nor this process's exit reaches them: a run ended by Ctrl-C or a crash kills the trees of the
// commands still running.
const live = new Set<number>();
process.on("exit", () => {
  for (const pid of live) killTree(pid);
});

/** One stack of one program, driven through the real CLI. */
export class PulumiRunner {
  readonly pulumi: string;
  readonly env: NodeJS.ProcessEnv;
  readonly programDir: string;
  readonly stackName: string;
  readonly configFile: string;

  constructor(place: StackPlace) {
    ({ pulumi: this.pulumi, env: this.env, programDir: this.programDir, stackName: this.stackName, configFile: this.configFile } = place);
  }

  /** `pulumi stack init`, the settings file moved to `configFile`, then the config in one `config set-all`. */
  async init(options: InitOptions = {}, run: RunOptions = {}): Promise<this> {
    await this.ok(["stack", "init", this.stackName, ...(options.initArgs ?? []), "--non-interactive"], run);
    const written = path.join(this.programDir, `Pulumi.${this.stackName}.yaml`);
    options.onSettingsWritten?.(written);
    renameSync(written, this.configFile);
    await this.setConfig(options.config ?? {}, { run });
    await this.setConfig(options.secrets ?? {}, { secret: true, run });
    return this;
  }

  /** `pulumi config set-all` (keys without a namespace belong to the project); nothing runs for no values. */
  async setConfig(values: Record<string, string>, options: { secret?: boolean; run?: RunOptions } = {}): Promise<void> {
    const kind = options.secret ? "--secret" : "--plaintext";
    const pairs = Object.entries(values).flatMap(([key, value]) => [kind, `${key}=${value}`]);
    if (pairs.length > 0) await this.ok(["config", "set-all", ...this.stackArgs(), ...pairs, "--non-interactive"], options.run);
  }

  /** `--stack <name> --config-file <settings>`, for the commands that read the stack's settings. */
  stackArgs(): string[] {
    return ["--stack", this.stackName, "--config-file", this.configFile];
  }

  /** Starts `pulumi <args>` in the program's folder, in a process group of its own. */
  start(args: string[], options: RunOptions = {}): RunningPulumi {
    const started = performance.now();
    const child = spawn(this.pulumi, args, {
      cwd: this.programDir,
      env: { ...this.env, ...options.env },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pid = child.pid!;
    live.add(pid);
    const keep = options.keepChars ?? Infinity;
    const text = { stdout: "", stderr: "", output: "" };
    const collect = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
      const more = chunk.toString();
      text[stream] = (text[stream] + more).slice(-keep);
      text.output = (text.output + more).slice(-keep);
    };
    child.stdout!.on("data", collect("stdout"));
    child.stderr!.on("data", collect("stderr"));
    const sampler = options.sample ? new UsageSampler(pid) : undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killTree(pid);
    }, options.timeoutMs ?? 150_000);
    let exited = false;
    const done = new Promise<PulumiRun>((resolve) => {
      child.on("close", (code, signal) => {
        exited = true;
        live.delete(pid);
        clearTimeout(timer);
        const usage = sampler?.stop();
        resolve({ args, code, signal, ...text, durationMs: performance.now() - started, timedOut, usage });
      });
    });
    return {
      child,
      done,
      output: () => text.output,
      signal: (signal) => kill(-pid, signal),
      processes: () => processTree(pid).slice(1),
      killAll: () => killTree(pid),
      running: () => !exited,
    };
  }

  /** Runs `pulumi <args>`; a command still running after `timeoutMs` is killed (and reported as such). */
  run(args: string[], options: RunOptions = {}): Promise<PulumiRun> {
    return this.start(args, options).done;
  }

  /** Runs `pulumi <args>` and fails with (the end of) its output unless it exits 0. */
  async ok(args: string[], options: RunOptions = {}): Promise<PulumiRun> {
    const result = await this.run(args, options);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.code ?? result.signal}:\n${result.output.slice(-4000)}`);
    return result;
  }
}
