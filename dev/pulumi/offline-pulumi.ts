// A throwaway Pulumi set-up for the demo and the soak: the real CLI (found or built, with progress),
// a temp folder holding a PULUMI_HOME and a file backend of its own, the environment to run the CLI
// in, and the removal of all of it when the script ends, Ctrl-C included: the temp folder and the
// Pulumi.<stack>.yaml files that `pulumi stack init` writes next to the programs.

import { PulumiCommand } from "@pulumi/pulumi/automation";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { ensurePulumiCli, pulumiEnv, type PulumiCli } from "./pulumi-cli.js";

export interface OfflinePulumi {
  cli: PulumiCli;
  /** The temp folder; the file backend is `<dir>/backend`. */
  dir: string;
  backendDir: string;
  /** The environment to run `pulumi` in (dev/pulumi/pulumi-cli.ts's pulumiEnv). */
  env: Record<string, string>;
  /** The same CLI for the Automation API. */
  command: PulumiCommand;
  /** A file to delete when the script ends, e.g. a Pulumi.<stack>.yaml. */
  removeOnExit(file: string): void;
  /** Deletes the temp folder and the files named so far; also run on exit. Idempotent. */
  remove(): void;
}

export async function offlinePulumi(label: string, log: (line: string) => void): Promise<OfflinePulumi> {
  const cli = await ensurePulumiCli(log);
  const dir = mkdtempSync(path.join(tmpdir(), `qec-${label}-`));
  const files = new Set<string>();
  const remove = () => {
    for (const file of files) rmSync(file, { force: true });
    files.clear();
    rmSync(dir, { recursive: true, force: true });
  };
  // Synchronous, so it also runs when Ctrl-C or an error ends the script through process.exit.
  process.on("exit", remove);
  const backendDir = path.join(dir, "backend");
  mkdirSync(backendDir);
  const env = Object.fromEntries(
    Object.entries(pulumiEnv(cli, { home: path.join(dir, "home"), backendDir, passphrase: label })).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  // PulumiCommand takes an installation root and runs <root>/bin/pulumi: give it one that points at
  // the CLI's folder, wherever that is.
  mkdirSync(path.join(dir, "cli"));
  symlinkSync(cli.binDir, path.join(dir, "cli", "bin"));
  const command = await PulumiCommand.get({ root: path.join(dir, "cli") });
  return { cli, dir, backendDir, env, command, removeOnExit: (file) => void files.add(file), remove };
}
