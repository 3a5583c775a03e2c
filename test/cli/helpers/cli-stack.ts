// The real `pulumi` binary on a program directory, the way a user runs it: a local file backend and
// PULUMI_HOME in a temp dir, the passphrase secrets provider, stack settings in a temp file
// (`--config-file`), so tests never write into the program's folder and never share a stack.
// Every command runs in its own process group, like a terminal's foreground job, so a test can
// signal it as a user would, or kill everything it started as a lost machine would.

import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { killTree, processTree } from "../../../dev/pulumi/process-tree";
import { findPulumiCli, pulumiEnv, ROOT } from "../../../dev/pulumi/pulumi-cli";

export const PASSPHRASE = "correct horse battery staple";

export interface CliResult {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr as the user's terminal shows them, interleaved. */
  output: string;
  durationMs: number;
}

/** A running `pulumi` command, for tests that interrupt it. */
export interface RunningCli {
  child: ChildProcess;
  /** Resolves when the command has exited, however it ended. */
  done: Promise<CliResult>;
  /**
   * Signals pulumi's process group, as Ctrl-C in a terminal or `kill -- -PGID` does. The engine
   * starts its language host and plugins in process groups of their own, so they do not get it.
   */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs pulumi and every process it started (language host, program, plugins): a lost machine. */
  killAll(): void;
  /** The pids of every process pulumi has started and that still runs. */
  processes(): number[];
  /** Everything printed so far. */
  output(): string;
}

export function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/** One stack of one program, driven through the real CLI; its backend, home and settings live in a temp dir. */
export class CliStack {
  readonly stackName = `t${randomBytes(4).toString("hex")}`;
  readonly configFile: string;
  readonly env: NodeJS.ProcessEnv;
  private readonly pulumi: string;

  private constructor(
    readonly programDir: string,
    readonly tmp: string,
  ) {
    const cli = findPulumiCli();
    this.pulumi = path.join(cli.binDir, "pulumi");
    this.configFile = path.join(tmp, `Pulumi.${this.stackName}.yaml`);
    this.env = pulumiEnv(cli, { home: path.join(tmp, "home"), backendDir: path.join(tmp, "backend"), passphrase: PASSPHRASE });
  }

  /** Creates a fresh stack for the program in `programDir` (absolute, or relative to the repository). */
  static async init(programDir: string, config: Record<string, string> = {}, secrets: Record<string, string> = {}): Promise<CliStack> {
    const stack = new CliStack(path.resolve(ROOT, programDir), mkdtempSync(path.join(tmpdir(), "qec-cli-")));
    for (const dir of ["home", "backend"]) mkdirSync(path.join(stack.tmp, dir));
    await stack.ok(["stack", "init", stack.stackName, "--non-interactive"]);
    // `stack init` writes the passphrase salt next to the program; keep it with the test instead.
    renameSync(path.join(stack.programDir, `Pulumi.${stack.stackName}.yaml`), stack.configFile);
    await stack.setConfig(config);
    await stack.setConfig(secrets, { secret: true });
    return stack;
  }

  /** Sets stack config (keys without a namespace belong to the project). */
  async setConfig(values: Record<string, string>, options: { secret?: boolean } = {}): Promise<void> {
    for (const [key, value] of Object.entries(values)) {
      await this.ok(["config", "set", ...this.stackArgs(), ...(options.secret ? ["--secret"] : ["--plaintext"]), key, "--", value]);
    }
  }

  stackArgs(): string[] {
    return ["--stack", this.stackName, "--config-file", this.configFile];
  }

  /** Starts `pulumi <args>` in the program's directory, in a process group of its own. */
  start(args: string[]): RunningCli {
    const started = Date.now();
    const child = spawn(this.pulumi, args, {
      cwd: this.programDir,
      env: this.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let output = "";
    child.stdout!.on("data", (c: Buffer) => ((stdout += c), (output += c)));
    child.stderr!.on("data", (c: Buffer) => ((stderr += c), (output += c)));
    const done = new Promise<CliResult>((resolve) => {
      child.on("close", (code, signal) => resolve({ args, code, signal, stdout, stderr, output, durationMs: Date.now() - started }));
    });
    return {
      child,
      done,
      output: () => output,
      signal(signal) {
        kill(-child.pid!, signal);
      },
      processes: () => processTree(child.pid!).slice(1),
      killAll() {
        killTree(child.pid!);
      },
    };
  }

  /** Runs `pulumi <args>`; a command still running after `timeoutMs` is killed (and reported as such). */
  async run(args: string[], timeoutMs = 150_000): Promise<CliResult> {
    const running = this.start(args);
    const timer = setTimeout(() => running.killAll(), timeoutMs);
    try {
      return await running.done;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `pulumi <args>` and fails with its output unless it exits 0. */
  async ok(args: string[]): Promise<CliResult> {
    const result = await this.run(args);
    if (result.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${result.code ?? result.signal}:\n${result.output}`);
    return result;
  }

  preview(...extra: string[]): Promise<CliResult> {
    return this.run(["preview", ...this.stackArgs(), "--non-interactive", ...extra]);
  }

  up(...extra: string[]): Promise<CliResult> {
    return this.run(["up", ...this.stackArgs(), "--yes", "--non-interactive", "--skip-preview", ...extra]);
  }

  refresh(...extra: string[]): Promise<CliResult> {
    return this.run(["refresh", ...this.stackArgs(), "--yes", "--non-interactive", "--skip-preview", ...extra]);
  }

  destroy(...extra: string[]): Promise<CliResult> {
    return this.run(["destroy", ...this.stackArgs(), "--yes", "--non-interactive", "--skip-preview", ...extra]);
  }

  /** `pulumi stack export`: the checkpoint as the engine keeps it (secrets encrypted). */
  async exportState(): Promise<StackExport> {
    return JSON.parse((await this.ok(["stack", "export", "--stack", this.stackName])).stdout) as StackExport;
  }

  /** `pulumi stack output --json` (secrets shown as "[secret]"). */
  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.ok(["stack", "output", "--json", "--stack", this.stackName])).stdout) as Record<string, unknown>;
  }

  /** The recorded resources of a type token suffix, e.g. "QueryExecutionCancellation". */
  async resources(typeSuffix = "QueryExecutionCancellation"): Promise<StateResource[]> {
    return (await this.exportState()).deployment.resources?.filter((r) => r.type.endsWith(typeSuffix)) ?? [];
  }

  dispose(): void {
    rmSync(path.join(this.programDir, `Pulumi.${this.stackName}.yaml`), { force: true });
    rmSync(this.tmp, { recursive: true, force: true });
  }
}

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

export interface StackExport {
  version: number;
  deployment: {
    resources?: StateResource[];
    pending_operations?: Array<{ type: string; resource: StateResource }>;
  };
}

/** The `Resources:` summary lines the CLI prints at the end of an operation, e.g. ["+ 1 created", "1 unchanged"]. */
export function changeSummary(output: string): string[] {
  const tail = output.slice(output.lastIndexOf("Resources:"));
  return tail
    .split("\n")
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => /^[-+~]*\s*\d+ \w+/.test(l) || /^\+-\d+/.test(l));
}

/** Expects a command to have exited 0; otherwise the failure shows the command's whole output. */
export function succeeded(result: Pick<CliResult, "code" | "output">): void {
  expect({ code: result.code, output: result.code === 0 ? "" : result.output }).toEqual({ code: 0, output: "" });
}

/** Waits until `check` holds, polling; fails after `ms`. */
export async function until(what: string, check: () => boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
