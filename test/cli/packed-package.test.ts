// The package as a user gets it: `npm pack` output installed into a program shaped like
// `pulumi new typescript`'s (commonjs, moduleResolution node, no skipLibCheck), run by the real
// CLI. Then the trampoline's promise: state written by one build is refreshed and destroyed by a
// later build with different code, and the installed code runs, not the code frozen in state.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { withEmulator } from "../helpers/with-emulator";
import { ROOT } from "../../dev/pulumi/pulumi-cli";
import { changeSummary, CliStack, succeeded } from "./helpers/cli-stack";

jest.setTimeout(300_000);

const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string; version: string };
const installed = (dir: string) => JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string };

let work: string;
let firstBuild: string;
let laterBuild: string;
const LATER_VERSION = `${manifest.version}-later`;

/** `npm pack` of this checkout, and a later build: the same files with a new version and a changed read(). */
beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "qec-packed-"));
  const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  firstBuild = path.join(work, npm(["pack", "--silent", "--pack-destination", work], ROOT).trim().split("\n").pop()!);

  const later = path.join(work, "later");
  mkdirSync(later);
  execFileSync("tar", ["-xzf", firstBuild, "-C", later]);
  const source = path.join(later, "package");
  const pkg = JSON.parse(readFileSync(path.join(source, "package.json"), "utf8")) as Record<string, unknown>;
  writeFileSync(path.join(source, "package.json"), JSON.stringify({ ...pkg, version: LATER_VERSION }, null, 2));
  // Code that only the later build has: read() also reports which build answered.
  const implementation = path.join(source, "dist/provider/implementation.js");
  writeFileSync(
    implementation,
    `${readFileSync(implementation, "utf8")}\nconst laterRead = exports.implementation.read;\nexports.implementation.read = async (...args) => { console.log("read by the later build"); return laterRead(...args); };\n`,
  );
  laterBuild = path.join(later, npm(["pack", "--silent", "--pack-destination", later], source).trim().split("\n").pop()!);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A program directory as `pulumi new typescript` makes one, with `tarball` installed. */
function newTypescriptProject(tarball: string): string {
  const dir = path.join(work, "app");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "Pulumi.yaml"),
    "name: app\ndescription: A cancellation, as a user writes it\nruntime:\n  name: nodejs\n  options:\n    packagemanager: npm\n",
  );
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify(
      { name: "app", main: "index.ts", devDependencies: { "@types/node": "^24", typescript: "~5.9" }, dependencies: { "@pulumi/pulumi": "^3.270.0" } },
      null,
      2,
    ),
  );
  writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify(
      {
        compilerOptions: {
          strict: true,
          outDir: "bin",
          target: "es2020",
          module: "commonjs",
          moduleResolution: "node",
          sourceMap: true,
          experimentalDecorators: true,
          pretty: true,
          noFallthroughCasesInSwitch: true,
          noImplicitReturns: true,
          forceConsistentCasingInFileNames: true,
        },
        files: ["index.ts"],
      },
      null,
      2,
    ),
  );
  writeFileSync(
    path.join(dir, "index.ts"),
    [
      'import * as pulumi from "@pulumi/pulumi";',
      `import { QueryExecutionCancellation } from "${manifest.name}";`,
      "",
      "const config = new pulumi.Config();",
      'const stuck = new QueryExecutionCancellation("stuck", {',
      '  projectId: config.require("projectId"),',
      '  queryExecutionId: config.require("queryExecutionId"),',
      "});",
      "export const outcome = stuck.outcome;",
      "export const providerVersion = stuck.providerVersion;",
      "",
    ].join("\n"),
  );
  install(dir, tarball);
  return dir;
}

function install(dir: string, tarball: string): void {
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
}

describe("the packed package in a `pulumi new typescript` program", () => {
  test("type-checks and cancels once; a later build refreshes and destroys the state the first wrote, running its own code", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const dir = newTypescriptProject(firstBuild);
      expect(installed(path.join(dir, "node_modules", manifest.name)).version).toBe(manifest.version);
      const stack = await CliStack.init(dir, {
        "queryservice:endpoint": emu.url,
        "queryservice:configFile": creds.configFile,
        projectId,
        queryExecutionId: id,
      });
      try {
        succeeded(await stack.up());
        expect(emu.effectiveCancels(id)).toBe(1);
        const [written] = await stack.resources();
        expect(written!.outputs).toMatchObject({ outcome: "CANCEL_REQUESTED", providerVersion: manifest.version });

        install(dir, laterBuild);
        expect(installed(path.join(dir, "node_modules", manifest.name)).version).toBe(LATER_VERSION);
        const refreshed = await stack.refresh();
        succeeded(refreshed);
        expect(refreshed.output).toContain("read by the later build");
        const [read] = await stack.resources();
        expect(read!.outputs).toMatchObject({ outcome: "CANCEL_REQUESTED", providerVersion: LATER_VERSION });
        // The serialized provider did not change between builds: nothing to update.
        expect(read!.inputs!.__provider).toBe(written!.inputs!.__provider);
        const up = await stack.up();
        succeeded(up);
        expect(changeSummary(up.output)).toEqual(["2 unchanged"]);

        const seen = emu.requests().length;
        succeeded(await stack.destroy());
        expect(await stack.resources()).toEqual([]);
        expect(emu.requests()).toHaveLength(seen);
        expect(emu.effectiveCancels(id)).toBe(1);
      } finally {
        stack.dispose();
      }
    });
  });
});
