// `npm run demo`: an offline rehearsal of the product's two uses. Starts the bundled Query Service
// emulator with a few running executions, runs the quick start and the cleanup stack through the
// engine harness (the SDK's own language runtime and dynamic-provider plugin; no Pulumi CLI
// needed), and prints each resource, its outcome, the requests the service saw and the time.
// With --pulumi and a `pulumi` CLI on PATH, the same programs run through the real CLI instead.

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { startEmulator, type Emulator, type EmulatorCredentials } from "../emulator/index.js";
import { createStack, type RunResult } from "../test/engine/harness/program.js";

const ROOT = path.resolve(__dirname, "../..");
const HELP = `Usage: npm run demo -- [--executions N] [--pulumi]

  --executions N  running executions to seed for the cleanup stack (default 3)
  --pulumi        run the programs with the real \`pulumi\` CLI on PATH (local backend, temp dir)
  -h, --help      show this help`;

function line(text = ""): void {
  process.stdout.write(`${text}\n`);
}

function summarise(title: string, result: RunResult, emu: Emulator, seenBefore: number): void {
  const requests = emu.requests().slice(seenBefore);
  const byOperation = new Map<string, number>();
  for (const r of requests) byOperation.set(r.operation, (byOperation.get(r.operation) ?? 0) + 1);
  line(`${title}: ${result.ok ? "ok" : "FAILED"} in ${(result.durationMs / 1000).toFixed(1)}s`);
  for (const step of result.steps.filter((s) => s.custom && s.type.startsWith("pulumi-nodejs:dynamic"))) {
    line(`     ${step.op.padEnd(7)} ${step.name}${step.refresh ? ` (${step.refresh})` : ""}`);
  }
  const counts = [...byOperation].map(([op, n]) => `${n} ${op}`).join(", ");
  line(`     the service saw: ${counts || "no requests"}`);
  for (const e of result.errors) line(`     error: ${e.message}`);
}

function outcomes(stack: ReturnType<typeof createStack>): string[] {
  return stack.state
    .filter((r) => r.custom && r.type.startsWith("pulumi-nodejs:dynamic"))
    .map((r) => {
      const o = r.outputs as Record<string, unknown>;
      return `     ${String(o.queryExecutionId)}  ${String(o.outcome).padEnd(17)} ${String(o.lifecycleState)}`;
    });
}

type Operation = "preview" | "up" | "refresh" | "destroy";

/** Runs one example program through the harness, operation by operation, printing each. */
async function rehearse(
  emu: Emulator,
  program: { entry: string; project: string; config: Record<string, unknown> },
  operations: Array<[Operation, string]>,
  showOutcomesAfter: string,
): Promise<boolean> {
  const stack = createStack({ dir: ROOT, program: program.entry, project: program.project, stack: "demo", config: program.config });
  let ok = true;
  try {
    for (const [operation, title] of operations) {
      const seen = emu.requests().length;
      const result = await stack[operation]();
      ok &&= result.ok;
      summarise(`   ${title}`, result, emu, seen);
      if (title === showOutcomesAfter) {
        line("   outcomes:");
        outcomes(stack).forEach((l) => line(l));
      }
    }
  } finally {
    await stack.stop();
  }
  return ok;
}

async function runWithHarness(emu: Emulator, creds: EmulatorCredentials, seeded: string[]): Promise<boolean> {
  const connection = { "queryservice:endpoint": emu.url, "queryservice:configFile": creds.configFile };
  line("1. Quick start (examples/quickstart): cancel one execution");
  const quick = await rehearse(
    emu,
    {
      entry: "dist/examples/quickstart/index.js",
      project: "query-execution-cancellation-quickstart",
      config: { ...connection, projectId: emu.defaultProjectId, queryExecutionId: seeded[0] },
    },
    [["preview", "preview"], ["up", "up"], ["up", "up again"], ["refresh", "refresh"]],
    "refresh",
  );
  line();
  line("2. Cleanup stack (examples/cleanup): cancel every execution named adhoc-*");
  const cleanup = await rehearse(
    emu,
    {
      entry: "dist/examples/cleanup/index.js",
      project: "query-execution-cleanup",
      config: { ...connection, projectId: emu.defaultProjectId, namePattern: "^adhoc-" },
    },
    [["up", "up"], ["up", "up again"], ["destroy", "destroy"]],
    "up",
  );
  return quick && cleanup;
}

function runWithPulumiCli(emu: Emulator, creds: EmulatorCredentials, seeded: string[]): boolean {
  const home = mkdtempSync(path.join(tmpdir(), "qec-demo-pulumi-"));
  const env = { ...process.env, PULUMI_BACKEND_URL: `file://${home}`, PULUMI_CONFIG_PASSPHRASE: "demo", PULUMI_HOME: home };
  const pulumi = (args: string[], cwd = ROOT) => {
    line(`$ pulumi ${args.join(" ")}`);
    return spawnSync("pulumi", args, { cwd, env, stdio: "inherit" }).status === 0;
  };
  try {
    return (
      pulumi(["stack", "init", "demo"]) &&
      pulumi(["config", "set", "queryservice:endpoint", emu.url]) &&
      pulumi(["config", "set", "queryservice:configFile", creds.configFile]) &&
      pulumi(["config", "set", "projectId", emu.defaultProjectId]) &&
      pulumi(["config", "set", "queryExecutionId", seeded[0]!]) &&
      pulumi(["up", "--yes", "--skip-preview"]) &&
      pulumi(["up", "--yes", "--skip-preview"]) &&
      pulumi(["destroy", "--yes"]) &&
      pulumi(["stack", "rm", "--yes", "demo"])
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { executions: { type: "string" }, pulumi: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return line(HELP);
  const count = Number(values.executions ?? 3);
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new Error(`--executions: a whole number from 1 to 100 expected; got ${values.executions}`);
  if (values.pulumi && spawnSync("pulumi", ["version"]).status !== 0) {
    throw new Error("--pulumi: no `pulumi` CLI on PATH. Install it, or run without --pulumi to use the bundled harness.");
  }

  const started = Date.now();
  const emu = await startEmulator({ cancelDelayMs: 1000 });
  try {
    const creds = await emu.writeCredentials();
    const seeded = [emu.store.addExecution({ name: "stuck-report" }).id];
    for (let n = 1; n <= count; n++) seeded.push(emu.store.addExecution({ name: `adhoc-${n}` }).id);
    emu.store.addExecution({ name: "nightly-etl" }); // does not match the cleanup filter
    line(`Query Service emulator on ${emu.url} (signatures checked), project ${emu.defaultProjectId}`);
    line(`Seeded ${seeded.length + 1} running executions: stuck-report, ${count} adhoc-*, nightly-etl`);
    line(values.pulumi ? "Running through the pulumi CLI." : "Running through the engine harness (the SDK's language runtime and dynamic-provider plugin).");
    line();

    const ok = values.pulumi ? runWithPulumiCli(emu, creds, seeded) : await runWithHarness(emu, creds, seeded);
    const duplicates = seeded.filter((id) => emu.effectiveCancels(id) > 1).length;
    const cancelled = seeded.filter((id) => emu.effectiveCancels(id) === 1).length;
    line();
    line(`Summary: ${cancelled}/${seeded.length} executions cancelled exactly once, ${duplicates} cancelled twice, ` +
      `${emu.requests("CancelQueryExecution").length} cancel POSTs, ${emu.requests().length} requests in all, ` +
      `${((Date.now() - started) / 1000).toFixed(1)}s.`);
    if (!ok || duplicates > 0 || cancelled !== seeded.length) process.exitCode = 1;
  } finally {
    await emu.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo: ${(e as Error).message}\n`);
  process.exit(1);
});
