// Which Pulumi CLI the setup picks (dev/pulumi/pulumi-cli.ts), with stand-in binaries in temp
// folders: nothing is built and nothing real is run.

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  BINARIES,
  buildStamp,
  DYNAMIC_PLUGIN,
  ensurePulumiCli,
  findPulumiCli,
  pinnedVersion,
  PYTHON_EXEC,
  ROOT,
  staleBinaries,
} from "../../dev/pulumi/pulumi-cli";
import { rejection } from "../helpers/rejection";

let dir: string;
const saved = { PATH: process.env.PATH, HOME: process.env.HOME };

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "pulumi-cli-"));
  // No real pulumi, no ~/.pulumi, no go: only what a test puts there.
  process.env.HOME = path.join(dir, "home");
  process.env.PATH = path.join(dir, "empty");
});

afterEach(() => {
  process.env.PATH = saved.PATH;
  process.env.HOME = saved.HOME;
  rmSync(dir, { recursive: true, force: true });
});

const HOSTS = ["pulumi-language-nodejs", "pulumi-language-python", PYTHON_EXEC, "pulumi-language-yaml"];
const NODEJS_ONLY = ["pulumi-language-nodejs", DYNAMIC_PLUGIN];

/** A folder with a `pulumi` that reports `version`, and (unless told otherwise) its language hosts and the shim. */
function fakeInstall(folder: string, version: string, companions = [...HOSTS, DYNAMIC_PLUGIN]): string {
  const bin = path.join(dir, folder);
  mkdirSync(bin, { recursive: true });
  const names = ["pulumi", ...companions];
  for (const name of names) {
    writeFileSync(path.join(bin, name), `#!/bin/sh\necho v${version}\n`);
    chmodSync(path.join(bin, name), 0o755);
  }
  return bin;
}

const newer = () => pinnedVersion().replace(/^(\d+)\./, (_, major: string) => `${Number(major) + 1}.`);
const older = () => pinnedVersion().replace(/\.(\d+)\./, (_, minor: string) => `.${Number(minor) - 1}.`);

describe("ensurePulumiCli", () => {
  test("uses a pulumi on PATH at least as new as the pin when its language hosts and plugin are beside it", async () => {
    const bin = fakeInstall("installed", newer());
    process.env.PATH = bin;
    await expect(ensurePulumiCli(() => {}, path.join(dir, "built"))).resolves.toEqual({ binDir: bin, version: newer(), source: "installed" });
  });

  test("finds one in ~/.pulumi/bin when PATH has none", async () => {
    const bin = fakeInstall("home/.pulumi/bin", pinnedVersion());
    await expect(ensurePulumiCli(() => {}, path.join(dir, "built"))).resolves.toMatchObject({ binDir: bin, source: "installed" });
  });

  test("passes over a pulumi older than the pin, saying why, and with no Go says what to install", async () => {
    process.env.PATH = fakeInstall("old", older());
    const lines: string[] = [];
    const error = await rejection(
      ensurePulumiCli((l) => lines.push(l), path.join(dir, "built")),
      Error,
    );
    expect(lines).toEqual([expect.stringMatching(`Found pulumi ${older()} at .*/old/pulumi, older than the pinned ${pinnedVersion()}: not using it.`)]);
    expect(error.message).toMatch(`No Pulumi CLI ${pinnedVersion()} or newer was found, and Go is not installed to build one.`);
    expect(error.message).toMatch(/install the Pulumi CLI .* or install Go 1\.26/s);
  });

  test("passes over a pulumi without pulumi-language-nodejs beside it", async () => {
    process.env.PATH = fakeInstall("bare", newer(), []);
    const lines: string[] = [];
    await rejection(
      ensurePulumiCli((l) => lines.push(l), path.join(dir, "built")),
      Error,
    );
    expect(lines).toEqual([expect.stringContaining(`but not ${[...HOSTS, DYNAMIC_PLUGIN].join(", ")} beside it`)]);
  });

  test("passes over a pulumi with the Node.js host but not the Python and YAML hosts the tests use", async () => {
    process.env.PATH = fakeInstall("nodejs-only", newer(), NODEJS_ONLY);
    const lines: string[] = [];
    await rejection(
      ensurePulumiCli((l) => lines.push(l), path.join(dir, "built")),
      Error,
    );
    expect(lines).toEqual([expect.stringContaining(`but not pulumi-language-python, ${PYTHON_EXEC}, pulumi-language-yaml beside it`)]);
  });

  test("reuses an earlier build whose stamp matches the pinned modules, and not one built from other modules", async () => {
    const built = fakeInstall("built", pinnedVersion());
    writeFileSync(path.join(built, "build.json"), JSON.stringify(buildStamp()));
    await expect(ensurePulumiCli(() => {}, built)).resolves.toEqual({ binDir: built, version: pinnedVersion(), source: "built earlier" });
    expect(findPulumiCli(built)).toMatchObject({ binDir: built, source: "built earlier" });

    const stamp = buildStamp();
    stamp.binaries["pulumi-language-yaml"]!.inputs = "another go.sum";
    writeFileSync(path.join(built, "build.json"), JSON.stringify(stamp));
    expect(() => findPulumiCli(built)).toThrow("Run `npm run setup:pulumi`");
    expect(staleBinaries(built).map((b) => b.name)).toEqual(["pulumi-language-yaml"]);
  });

  test("a folder built before the Python and YAML hosts keeps its CLI and Node.js host: only the two hosts are left to build", () => {
    const built = fakeInstall("built", pinnedVersion(), NODEJS_ONLY);
    // The stamp such a build wrote: the CLI's and the Node.js host's go.mod and go.sum, as text.
    const inputs = ["pulumi-cli", "pulumi-language-nodejs"].flatMap((m) =>
      ["go.mod", "go.sum"].map((f) => readFileSync(path.join(ROOT, "tools", m, f), "utf8")),
    );
    writeFileSync(path.join(built, "build.json"), JSON.stringify({ cli: pinnedVersion(), languageHost: "3.68.0", inputs: inputs.join("\n") }));
    expect(() => findPulumiCli(built)).toThrow("Run `npm run setup:pulumi`");
    expect(staleBinaries(built).map((b) => b.name)).toEqual(["pulumi-language-python", "pulumi-language-yaml"]);

    writeFileSync(path.join(built, "build.json"), JSON.stringify({ cli: pinnedVersion(), languageHost: "3.68.0", inputs: "another go.sum" }));
    expect(staleBinaries(built)).toEqual(BINARIES);
  });

  test("a built host whose companion is missing is built again", () => {
    const built = fakeInstall("built", pinnedVersion());
    writeFileSync(path.join(built, "build.json"), JSON.stringify(buildStamp()));
    rmSync(path.join(built, PYTHON_EXEC));
    expect(staleBinaries(built).map((b) => b.name)).toEqual(["pulumi-language-python"]);
  });
});
