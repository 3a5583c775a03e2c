// The one runner of `pulumi` on a stack in a temp dir (dev/pulumi/runner.ts), on a stand-in
// `pulumi` (a shell script that records its arguments): what `init` runs and where the stack's
// settings end up, and that a command outliving its time loses its whole process tree.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { commandOf } from "../../dev/pulumi/process-tree";
import { PulumiRunner } from "../../dev/pulumi/runner";

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pulumi-runner-"));
  mkdirSync(path.join(dir, "program"));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A `pulumi` that appends each command line to calls.log; `stack init NAME` writes
 * Pulumi.NAME.yaml where it runs, as the real one does; `hang` starts a grandchild that prints
 * its pid, then waits forever; `talk` prints 100 numbered lines.
 */
function standIn(): PulumiRunner {
  const pulumi = path.join(dir, "pulumi");
  writeFileSync(
    pulumi,
    `#!/bin/sh
echo "$*" >> "${dir}/calls.log"
if [ "$1 $2" = "stack init" ]; then echo "encryptionsalt: x" > "Pulumi.$3.yaml"; fi
if [ "$1" = "hang" ]; then sleep 600 & echo "grandchild $!"; wait; fi
if [ "$1" = "talk" ]; then for i in $(seq 1 100); do echo "line $i"; done; fi
exit 0
`,
  );
  chmodSync(pulumi, 0o755);
  return new PulumiRunner({
    pulumi,
    env: { PATH: process.env.PATH },
    programDir: path.join(dir, "program"),
    stackName: "s1",
    configFile: path.join(dir, "settings", "Pulumi.s1.yaml"),
  });
}

const calls = () => readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n");

describe("PulumiRunner.init", () => {
  test("moves the settings stack init wrote out of the program's folder and sets plain and secret config in one set-all each", async () => {
    mkdirSync(path.join(dir, "settings"));
    const written: string[] = [];
    await standIn().init({
      config: { projectId: "p", "queryservice:endpoint": "http://127.0.0.1:1" },
      secrets: { token: "a=b" },
      initArgs: ["--secrets-provider", "passphrase"],
      onSettingsWritten: (f) => written.push(f),
    });
    expect(existsSync(path.join(dir, "program", "Pulumi.s1.yaml"))).toBe(false);
    expect(readFileSync(path.join(dir, "settings", "Pulumi.s1.yaml"), "utf8")).toBe("encryptionsalt: x\n");
    expect(written).toEqual([path.join(dir, "program", "Pulumi.s1.yaml")]);
    const settings = path.join(dir, "settings", "Pulumi.s1.yaml");
    expect(calls()).toEqual([
      "stack init s1 --secrets-provider passphrase --non-interactive",
      `config set-all --stack s1 --config-file ${settings} --plaintext projectId=p --plaintext queryservice:endpoint=http://127.0.0.1:1 --non-interactive`,
      `config set-all --stack s1 --config-file ${settings} --secret token=a=b --non-interactive`,
    ]);
  });

  test("runs no config set-all when there is no config", async () => {
    mkdirSync(path.join(dir, "settings"));
    await standIn().init();
    expect(calls()).toEqual(["stack init s1 --non-interactive"]);
  });
});

describe("PulumiRunner.run", () => {
  test("a command that outlives timeoutMs is reported as timed out and loses its whole tree, grandchildren included", async () => {
    const result = await standIn().run(["hang"], { timeoutMs: 1_000 });
    const grandchild = Number(/grandchild (\d+)/.exec(result.stdout)?.[1]);
    expect({ timedOut: result.timedOut, signal: result.signal, grandchild: grandchild > 0 }).toEqual({ timedOut: true, signal: "SIGKILL", grandchild: true });
    expect(commandOf(grandchild)).toBe(""); // gone (a zombie has no command line either)
  });

  test("keepChars keeps the end of the output", async () => {
    const result = await standIn().run(["talk"], { keepChars: 20 });
    const all = Array.from({ length: 100 }, (_, i) => `line ${i + 1}\n`).join("");
    expect({ code: result.code, timedOut: result.timedOut, stdout: result.stdout, output: result.output }).toEqual({
      code: 0,
      timedOut: false,
      stdout: all.slice(-20),
      output: all.slice(-20),
    });
  });
});
