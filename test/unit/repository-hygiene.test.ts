// What a contributor sees: `npm test` prints jest's report and the summary, nothing else, and the
// files the README's own steps write (the `npm pack` tarball, a root stack's settings) stay out
// of `git status`.

import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");

/** The NODE_OPTIONS the `test` script runs jest with. */
function testScriptNodeOptions(): string {
  const script: string = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.test;
  const match = /NODE_OPTIONS=(?:'([^']*)'|"([^"]*)"|(\S+))/.exec(script);
  if (!match) throw new Error(`the test script sets no NODE_OPTIONS: ${script}`);
  return match[1] ?? match[2] ?? match[3]!;
}

describe("npm test output", () => {
  test("a passing test file prints only the summary line on stdout and no warning on stderr", () => {
    const run = spawnSync(process.execPath, [require.resolve("jest/bin/jest"), "--runInBand", "test/unit/provider-serialization.test.ts"], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: testScriptNodeOptions() },
      encoding: "utf8",
      timeout: 240_000,
    });
    expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 0, stdout: expect.stringMatching(/^Summary: \d+ passed, 0 failed, 0 skipped\n$/) });
    expect(run.stderr).not.toMatch(/Warning/);
  }, 300_000);
});

describe(".gitignore", () => {
  test.each(["pulumi-oci-query-execution-cancellation-0.1.0.tgz", "Pulumi.dev.yaml"])("ignores %s at the root", (file) => {
    expect(execFileSync("git", ["check-ignore", "--no-index", file], { cwd: ROOT, encoding: "utf8" }).trim()).toBe(file);
  });

  test("keeps the root project's Pulumi.yaml tracked", () => {
    expect(spawnSync("git", ["check-ignore", "--no-index", "Pulumi.yaml"], { cwd: ROOT }).status).toBe(1);
  });
});
