// The `oci-query-service-emulator` CLI as a user runs it: a child process that prints how to
// reach it and stops cleanly on SIGTERM. The emulator's sources are transpiled to a temp dir
// first, so the test needs no build of the whole package.

import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DefaultRequestSigner, ConfigFileAuthenticationDetailsProvider } from "oci-common";
import * as ts from "typescript";
import { send } from "../helpers/with-emulator.js";

const repo = resolve(__dirname, "../..");
let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), "emulator-cli-"));
  for (const file of await readdir(join(repo, "emulator"))) {
    if (!file.endsWith(".ts")) continue;
    const source = await readFile(join(repo, "emulator", file), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    await writeFile(join(outDir, file.replace(/\.ts$/, ".js")), outputText);
  }
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

function startCli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv, NODE_PATH: join(repo, "node_modules") };
  delete env["NODE_OPTIONS"];
  const child = spawn(process.execPath, [join(outDir, "cli.js"), ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString("utf8")));
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  return { child, output: () => out, exited };
}

async function waitFor(output: () => string, text: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!output().includes(text)) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${JSON.stringify(text)}; output so far:\n${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("oci-query-service-emulator CLI", () => {
  test("starts with a shebang line, prints the endpoint, config file, project and seeded ids with their names, serves signed requests and stops on SIGTERM", async () => {
    expect((await readFile(join(repo, "emulator", "cli.ts"), "utf8")).split("\n")[0]).toBe("#!/usr/bin/env node");
    const cli = startCli(["--port", "0", "--executions", "2", "--cancel-delay-ms", "100"]);
    try {
      await waitFor(cli.output, "Press Ctrl-C to stop.");
      const out = cli.output();
      const endpoint = /endpoint:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
      const configFile = /config file:\s+(\S+)/.exec(out)![1]!;
      const projectId = /project id:\s+(\S+)/.exec(out)![1]!;
      expect(out).toMatch(/profile:\s+DEFAULT/);
      expect(out).toContain(`export OCI_CONFIG_FILE=${configFile}`);
      const listed = [...out.matchAll(/^\s{4}(ocid1\.queryexecution\.\S+) {2}(\S+)$/gm)].map((m) => ({ id: m[1]!, name: m[2]! }));
      expect(listed.map((e) => e.name)).toEqual(["query-1", "query-2"]);
      const ids = listed.map((e) => e.id);

      const path = `/20210831/projects/${encodeURIComponent(projectId)}/queryExecutions/${ids[0]}`;
      const headers = new Headers();
      const signer = new DefaultRequestSigner(new ConfigFileAuthenticationDetailsProvider(configFile, "DEFAULT"));
      await signer.signHttpRequest({ method: "GET", uri: `${endpoint}${path}`, headers } as never);
      const plain: Record<string, string> = {};
      headers.forEach((v, k) => (plain[k] = v));
      const res = await send({ url: endpoint }, { method: "GET", path, headers: plain });
      expect([res.status, res.json().lifecycleState, res.json().name]).toEqual([200, "IN_PROGRESS", listed[0]!.name]);
      await waitFor(cli.output, "GET /20210831/projects/");

      cli.child.kill("SIGTERM");
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toContain("Received SIGTERM; stopping.");
      expect(existsSync(configFile)).toBe(false); // the default temp credentials dir is removed
    } finally {
      cli.child.kill("SIGKILL");
    }
  });

  test("reuses the key in an existing --credentials-dir, so OCI_CONFIG_FILE stays valid across restarts", async () => {
    const dir = await mkdtemp(join(tmpdir(), "emulator-cli-creds-"));
    try {
      const fingerprints: string[] = [];
      for (let run = 0; run < 2; run++) {
        const cli = startCli(["--port", "0", "--credentials-dir", dir]);
        await waitFor(cli.output, "Press Ctrl-C to stop.");
        fingerprints.push(/fingerprint=(\S+)/.exec(await readFile(join(dir, "config"), "utf8"))![1]!);
        cli.child.kill("SIGINT");
        expect(await cli.exited).toBe(0);
      }
      expect(fingerprints[1]).toBe(fingerprints[0]);
      expect(existsSync(join(dir, "config"))).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("prints settings that, pasted into a shell, point a program at it, even from a folder with a space", async () => {
    const parent = await mkdtemp(join(tmpdir(), "emulator-cli-paste-"));
    const dir = join(parent, "creds 'n keys");
    // Set in the user's shell, OCI_CLI_PROFILE would win over the emulator's DEFAULT profile.
    const cli = startCli(["--port", "0", "--credentials-dir", dir], { OCI_CLI_PROFILE: "WORK", OCI_CLI_CONFIG_FILE: undefined, OCI_CLI_AUTH: undefined });
    try {
      await waitFor(cli.output, "Press Ctrl-C to stop.");
      const out = cli.output();
      const endpoint = /endpoint:\s+(\S+)/.exec(out)![1]!;
      const block = out
        .split("paste into the shell that runs it):\n")[1]!
        .split("\n")
        .filter((l) => /^ {2}(unset|export) /.test(l));
      expect(block).toHaveLength(3);
      const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"], OCI_CLI_PROFILE: "WORK" };
      const pasted = execFileSync("sh", ["-c", `${block.join("\n")}\nenv`], { env, encoding: "utf8" }).split("\n");
      expect(pasted).toEqual(expect.arrayContaining([`OCI_CONFIG_FILE=${join(dir, "config")}`, `OCI_QUERY_SERVICE_ENDPOINT=${endpoint}`]));
      expect(pasted.filter((l) => l.startsWith("OCI_CLI_"))).toEqual([]);
      expect(existsSync(join(dir, "config"))).toBe(true);
      expect(out).toContain(`pulumi config set queryservice:endpoint ${endpoint}`);
      expect(out).toContain("(kept: the same file works after a restart with the same --credentials-dir)");
    } finally {
      cli.child.kill("SIGKILL");
      await cli.exited;
      await rm(parent, { recursive: true, force: true });
    }
  });

  test("takes --executions N, and refuses --seed (a name never released) instead of starting", async () => {
    const cli = startCli(["--port", "0", "--executions", "1"]);
    try {
      await waitFor(cli.output, "Press Ctrl-C to stop.");
      expect(cli.output()).toMatch(/1 running execution\(s\):\n\s{4}ocid1\.queryexecution\./);
    } finally {
      cli.child.kill("SIGKILL");
    }
    const seed = startCli(["--port", "0", "--seed", "1"]);
    try {
      const ended = await Promise.race([seed.exited, waitFor(seed.output, "Press Ctrl-C to stop.").then(() => "started")]);
      expect(ended).toBe(2);
      expect(seed.output()).toContain("--seed");
    } finally {
      seed.child.kill("SIGKILL");
    }
  });

  test("on a busy port names the port and says how to pick another, and exits 1", async () => {
    const first = startCli(["--port", "0"]);
    try {
      await waitFor(first.output, "Press Ctrl-C to stop.");
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(first.output())![1]!;
      const second = startCli(["--port", port]);
      expect(await second.exited).toBe(1);
      expect(second.output()).toContain(
        `oci-query-service-emulator: port ${port} on 127.0.0.1 is already in use (another emulator?); start with --port N for another port, or --port 0 for any free one.`,
      );
    } finally {
      first.child.kill("SIGKILL");
    }
  });

  test("--help prints the options and exits 0; an unknown flag exits 2", async () => {
    const help = startCli(["--help"]);
    expect(await help.exited).toBe(0);
    expect(help.output()).toMatch(/--executions N[\s\S]*--credentials-dir DIR[\s\S]*OCI_CONFIG_FILE=DIR\/config stays valid across restarts[\s\S]*--no-auth/);
    expect(help.output()).not.toContain("--seed");
    const bad = startCli(["--bogus"]);
    expect(await bad.exited).toBe(2);
    expect(bad.output()).toMatch(/Unknown option '--bogus'/);
  });
});
