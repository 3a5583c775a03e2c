// `npm run demo`: an offline rehearsal of the product's two uses on the real Pulumi engine. Finds or
// builds the `pulumi` CLI (dev/pulumi/pulumi-cli.ts), starts the bundled Query Service emulator with a
// few running executions, and runs examples/quickstart (preview, up, up again, refresh) and
// examples/cleanup (up, up again, destroy) as local programs through the Automation API, on a file
// backend in a temp dir. After each step it prints what the engine did and what the service saw; at
// the end, every execution's recorded outcome next to its state now.

import { LocalWorkspace, type EngineEvent, type OpMap, type Stack } from "@pulumi/pulumi/automation";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { startEmulator, type Emulator } from "../emulator/index.js";
import { ROOT } from "./pulumi/pulumi-cli.js";
import { offlinePulumi, type OfflinePulumi } from "./pulumi/offline-pulumi.js";

const HELP = `Usage: npm run demo -- [--executions N] [--verbose]

  --executions N  running executions to seed for the cleanup stack (default 3)
  --verbose       also show the pulumi CLI's own output and the provider's messages
  -h, --help      show this help`;

const DYNAMIC = "pulumi-nodejs:dynamic/";

function line(text = ""): void {
  process.stdout.write(`${text}\n`);
}

/** `ocid1.queryexecution.oc1.iad.4b2b…` shortened to its kind and last 8 digits, for display only. */
const shortOcid = (text: string) => text.replace(/ocid1\.(\w+)\.[\w.]*\.([0-9a-f]{8})[0-9a-f]*/g, "ocid1.$1…$2");

interface Recorded {
  outcome: string;
  /** lifecycleState the create recorded: the state the cancel found. */
  found: string;
  /** lifecycleState as last recorded (after a refresh, the refreshed one). */
  last: string;
  stack: string;
}

type Operation = "preview" | "up" | "refresh" | "destroy";

interface Demo {
  emu: Emulator;
  pulumi: OfflinePulumi;
  verbose: boolean;
  names: Map<string, string>;
  recorded: Map<string, Recorded>;
  signal: AbortSignal;
}

/** Runs one operation, printing each resource step as the engine reports it, then the step's summary. */
async function step(demo: Demo, stack: Stack, operation: Operation, title: string, label: string): Promise<boolean> {
  const { emu, verbose, names, recorded } = demo;
  const seen = emu.requests().length;
  const started = Date.now();
  line(`   ${title}`);
  const onEvent = (event: EngineEvent) => {
    const done = event.resOutputsEvent ?? event.resOpFailedEvent;
    const meta = done?.metadata;
    if (meta?.type.startsWith(DYNAMIC)) {
      const outputs = (meta.new ?? meta.old)?.outputs ?? {};
      const id = String(outputs.queryExecutionId ?? "");
      const name = meta.urn.slice(meta.urn.lastIndexOf("::") + 2);
      const was = meta.old?.outputs?.lifecycleState;
      const now = meta.new?.outputs?.lifecycleState;
      const change = operation === "refresh" && was !== now ? `lifecycleState ${String(was)} -> ${String(now)}` : "";
      const failed = event.resOpFailedEvent ? " FAILED" : "";
      const detail = [name.includes(names.get(id) ?? "?") ? "" : names.get(id), change].filter(Boolean).join(", ");
      line(`     ${meta.op.padEnd(7)} ${shortOcid(name)}${detail ? ` (${detail})` : ""}${failed}`);
      if (!event.resOpFailedEvent && operation !== "preview" && operation !== "destroy" && meta.new) {
        const before = recorded.get(id);
        const state = String(outputs.lifecycleState);
        recorded.set(id, { outcome: String(outputs.outcome), found: before?.found ?? state, last: state, stack: label });
      }
    }
    const diagnostic = event.diagnosticEvent;
    if (diagnostic && (diagnostic.severity === "warning" || diagnostic.severity === "error" || (verbose && diagnostic.severity === "info"))) {
      line(`     ${diagnostic.severity}: ${shortOcid(diagnostic.message.trim())}`);
    }
  };
  const options = { onEvent, signal: demo.signal, ...(verbose ? { onOutput: (out: string) => process.stdout.write(out) } : {}) };
  let changes: OpMap | undefined;
  let error: string | undefined;
  try {
    if (operation === "preview") changes = (await stack.preview(options)).changeSummary;
    else changes = (await stack[operation](options)).summary.resourceChanges;
  } catch (e) {
    error = (e as Error).message;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const byOperation = new Map<string, number>();
  for (const r of emu.requests().slice(seen)) byOperation.set(r.operation, (byOperation.get(r.operation) ?? 0) + 1);
  const engine = Object.entries(changes ?? {})
    .map(([op, n]) => `${op} ${n}`)
    .join(", ");
  const service = [...byOperation].map(([op, n]) => `${n} ${op}`).join(", ");
  line(`     ${error ? "FAILED" : "ok"} in ${seconds} s; the engine: ${engine || "nothing"}; the service saw: ${service || "no requests"}`);
  if (error)
    line(
      `     ${error
        .trim()
        .split("\n")
        .filter((l) => /error|failed/i.test(l))
        .slice(-8)
        .join("\n     ")}`,
    );
  return error === undefined;
}

/** One example program as a stack of its own: configured through the workspace API, run step by step, removed at the end. */
async function rehearse(demo: Demo, example: string, label: string, config: Record<string, string>, operations: Array<[Operation, string]>): Promise<boolean> {
  const workDir = path.join(ROOT, "examples", example);
  const stackName = `demo-${process.pid}`;
  demo.pulumi.removeOnExit(path.join(workDir, `Pulumi.${stackName}.yaml`));
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, workDir },
    { envVars: demo.pulumi.env, pulumiCommand: demo.pulumi.command, secretsProvider: "passphrase" },
  );
  try {
    await stack.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value }])));
    for (const [operation, title] of operations) {
      if (!(await step(demo, stack, operation, title, label))) return false;
    }
    return true;
  } finally {
    // Also removes Pulumi.<stack>.yaml, which `stack init` wrote next to the program.
    await stack.workspace.removeStack(stackName, { force: true }).catch(() => {});
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { executions: { type: "string" }, verbose: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return line(HELP);
  const count = Number(values.executions ?? 3);
  if (!Number.isInteger(count) || count < 1 || count > 100) throw new Error(`--executions: a whole number from 1 to 100 expected; got ${values.executions}`);

  const started = Date.now();
  const interrupt = new AbortController();
  const pulumi = await offlinePulumi("demo", (l) => process.stderr.write(`${l}\n`));
  // Ctrl-C: stop the running pulumi command (the Automation API sends it SIGINT), then clean up as on
  // any other end. A second Ctrl-C exits at once; the exit hook still removes the stack files and temp dir.
  const onSignal = () => {
    if (interrupt.signal.aborted) process.exit(130);
    process.stderr.write("demo: interrupted; stopping pulumi and cleaning up (Ctrl-C again to quit at once)\n");
    process.exitCode = 130;
    interrupt.abort();
  };
  process.on("SIGINT", onSignal).on("SIGTERM", onSignal);

  const emu = await startEmulator({ cancelDelayMs: 1000 });
  try {
    const creds = await emu.writeCredentials();
    const names = new Map<string, string>();
    const add = (name: string) => {
      const { id } = emu.store.addExecution({ name });
      names.set(id, name);
      return id;
    };
    const seeded = [add("stuck-report")];
    for (let n = 1; n <= count; n++) seeded.push(add(`adhoc-${n}`));
    add("nightly-etl"); // does not match the cleanup filter
    line(`Pulumi CLI ${pulumi.cli.version} (${pulumi.cli.source}, ${pulumi.cli.binDir}); state in a file backend under ${pulumi.dir}`);
    line(`Query Service emulator on ${emu.url} (signatures checked), project ${emu.defaultProjectId}`);
    line(`Seeded ${seeded.length + 1} running executions: stuck-report, ${count} adhoc-*, nightly-etl`);
    line("Each step lists the engine's resource steps, then its change summary (which counts the stack resource");
    line("itself, and the cleanup stack's QueryExecutionCleanup component) and the requests the service saw.");
    line();

    const demo: Demo = { emu, pulumi, verbose: values.verbose ?? false, names, recorded: new Map(), signal: interrupt.signal };
    const connection = { "queryservice:endpoint": emu.url, "queryservice:configFile": creds.configFile, projectId: emu.defaultProjectId };
    line("1. Quick start (examples/quickstart): cancel one execution");
    const quick = await rehearse(demo, "quickstart", "quick start", { ...connection, queryExecutionId: seeded[0]! }, [
      ["preview", "preview (sends nothing)"],
      ["up", "up (cancels it)"],
      ["up", "up again (nothing to do)"],
      ["refresh", "refresh (reads the state now)"],
    ]);
    let cleanup = false;
    if (!interrupt.signal.aborted) {
      line();
      line("2. Cleanup stack (examples/cleanup): cancel every execution named adhoc-*");
      cleanup = await rehearse(demo, "cleanup", "cleanup", { ...connection, namePattern: "^adhoc-" }, [
        ["up", "up (lists, then cancels each match)"],
        ["up", "up again (lists; nothing new)"],
        ["destroy", "destroy (forgets the records; a cancel cannot be undone)"],
      ]);
    }

    line();
    line("Every execution: the outcome the engine recorded, the state the cancel found, and the state the service reports now");
    line(`   ${"execution".padEnd(14)}${"stack".padEnd(13)}${"outcome".padEnd(18)}${"found".padEnd(13)}${"now".padEnd(13)}cancels applied`);
    for (const [id, name] of names) {
      const r = demo.recorded.get(id);
      const now = emu.store.get(emu.defaultProjectId, id)?.lifecycleState ?? "?";
      line(
        `   ${name.padEnd(14)}${(r?.stack ?? "-").padEnd(13)}${(r?.outcome ?? "-").padEnd(18)}${(r?.found ?? "-").padEnd(13)}${now.padEnd(13)}${emu.effectiveCancels(id)}`,
      );
    }
    const duplicates = seeded.filter((id) => emu.effectiveCancels(id) > 1).length;
    const cancelled = seeded.filter((id) => emu.effectiveCancels(id) === 1).length;
    line();
    line(
      `Summary: ${cancelled}/${seeded.length} executions cancelled exactly once, ${duplicates} cancelled twice, ` +
        `${emu.requests("CancelQueryExecution").length} cancel POSTs, ${emu.requests().length} requests in all, ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s.`,
    );
    if (!quick || !cleanup || duplicates > 0 || cancelled !== seeded.length) process.exitCode ||= 1;
  } finally {
    await emu.close();
    pulumi.remove();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`demo: ${(e as Error).message}\n`);
  process.exit(1);
});
