// The real `pulumi` binary on a program directory, the way a user runs it: a local file backend and
// PULUMI_HOME in a temp dir, the passphrase secrets provider, stack settings in a temp file
// (`--config-file`), so tests never write into the program's folder and never share a stack.
// On the one runner (dev/pulumi/runner.ts): every command runs in its own process group, like a
// terminal's foreground job, so a test can signal it as a user would, or kill everything it started
// as a lost machine would.

import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { findPulumiCli, pulumiEnv, ROOT } from "../../../dev/pulumi/pulumi-cli";
import { PulumiRunner, type PulumiRun, type RunningPulumi } from "../../../dev/pulumi/runner";

export { kill } from "../../../dev/pulumi/runner";

export const PASSPHRASE = "correct horse battery staple";

export type CliResult = PulumiRun;

/** A running `pulumi` command, for tests that interrupt it. */
export type RunningCli = RunningPulumi;

/** One stack of one program, driven through the real CLI; its backend, home and settings live in a temp dir. */
export class CliStack extends PulumiRunner {
  private constructor(
    programDir: string,
    readonly tmp: string,
  ) {
    const cli = findPulumiCli();
    const stackName = `t${randomBytes(4).toString("hex")}`;
    super({
      pulumi: path.join(cli.binDir, "pulumi"),
      env: pulumiEnv(cli, { home: path.join(tmp, "home"), backendDir: path.join(tmp, "backend"), passphrase: PASSPHRASE }),
      programDir,
      stackName,
      configFile: path.join(tmp, `Pulumi.${stackName}.yaml`),
    });
  }

  /** Creates a fresh stack for the program in `programDir` (absolute, or relative to the repository). */
  static async init(programDir: string, config: Record<string, string> = {}, secrets: Record<string, string> = {}): Promise<CliStack> {
    const stack = new CliStack(path.resolve(ROOT, programDir), mkdtempSync(path.join(tmpdir(), "qec-cli-")));
    for (const dir of ["home", "backend"]) mkdirSync(path.join(stack.tmp, dir));
    return stack.init({ config, secrets });
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
