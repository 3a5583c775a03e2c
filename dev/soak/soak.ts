// `npm run soak`: exactly once, under faults and crashes, measured. By default cleanup stacks run
// through the real `pulumi up` (dev/soak/soak-engine.ts); `--plugin` drives the dynamic-provider
// plugin directly, many times faster (dev/soak/soak-plugin.ts). Both inject the same seeded fault
// mix, report JSON plus a summary, and exit non-zero when any cancellation was applied twice, never
// applied, or hung. docs/soak.md has the method and the measured runs.

import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { integerFlag, parseFlags, probabilityFlag, runScript, UsageError } from "../lib/flags.js";
import { soakEngine } from "./soak-engine.js";
import { soakPlugin } from "./soak-plugin.js";
import { FAULT_FLAGS } from "./soak-plan.js";

const HELP = `Usage: npm run soak -- [--plugin] [options]

Default: cleanup stacks (examples/cleanup) through the real \`pulumi up\`, whose process tree is
SIGKILLed at random moments; each killed or failed run is followed by what the CLI asks for
(\`pulumi cancel\`, \`pulumi refresh --clear-pending-creates\`) and another \`pulumi up\`.
--plugin: the fast mode, Check + Create straight to the dynamic-provider plugin, no engine.

Options (fault probabilities are per cancellation, each drawn independently from the seed):
  --cancellations N   How many executions to cancel (default 500; --plugin 2000)
  --seed S            Seed of the fault and kill plan (default 1)
  --concurrency N     Stacks updated at once (default 2); --plugin: creates in flight on
                      one plugin, like pulumi up --parallel (default 16)
${FAULT_FLAGS}
  --p-kill P          Each \`pulumi up\` is SIGKILLed (default 0.3); --plugin: the plugin is
                      SIGKILLed during this cancellation's create (default 0.01)
  --budget-s N        A command (a create with --plugin) taking longer counts as a hang
                      (default 300; --plugin 150)
  --max-reruns N      Give up on a stack (a cancellation) after this many re-runs (default 25)
  --out FILE          Where the JSON goes (default .soak/<mode>-<seed>.json)
Only without --plugin:
  --per-stack N       Executions per cleanup stack (default 10)
  --kill-window-s N   A random-moment kill comes 0..N s into the update (default 8); the other
                      half of the kills come right after the service accepted one of its cancels
  --cancel-delay-ms N How long an execution stays CANCELING (default 5000)
  -h, --help          Show this help`;

async function main(): Promise<void> {
  const values = parseFlags(
    {
      plugin: { type: "boolean" },
      cancellations: { type: "string" },
      seed: { type: "string", default: "1" },
      concurrency: { type: "string" },
      "p-5xx": { type: "string", default: "0.10" },
      "p-429": { type: "string", default: "0.05" },
      "p-drop-after": { type: "string", default: "0.05" },
      "p-slow": { type: "string", default: "0.05" },
      "p-kill": { type: "string" },
      "budget-s": { type: "string" },
      "max-reruns": { type: "string", default: "25" },
      out: { type: "string" },
      "per-stack": { type: "string" },
      "kill-window-s": { type: "string" },
      "cancel-delay-ms": { type: "string" },
    },
    HELP,
  );
  const plugin = values.plugin ?? false;
  const engineOnly = ["per-stack", "kill-window-s", "cancel-delay-ms"].filter((f) => (values as Record<string, unknown>)[f] !== undefined);
  if (plugin && engineOnly.length > 0) throw new UsageError(`--${engineOnly[0]} applies to the engine mode only, not with --plugin`);
  const flag = (name: string, fallback: string) => ((values as Record<string, unknown>)[name] as string | undefined) ?? fallback;
  const int = (name: string, fallback: string, min: number) => integerFlag(name, flag(name, fallback), min);
  const common = {
    cancellations: int("cancellations", plugin ? "2000" : "500", 1),
    seed: values.seed!,
    concurrency: int("concurrency", plugin ? "16" : "2", 1),
    p5xx: probabilityFlag("p-5xx", values["p-5xx"]!),
    p429: probabilityFlag("p-429", values["p-429"]!),
    pDropAfter: probabilityFlag("p-drop-after", values["p-drop-after"]!),
    pSlow: probabilityFlag("p-slow", values["p-slow"]!),
    pKill: probabilityFlag("p-kill", flag("p-kill", plugin ? "0.01" : "0.3")),
    budgetMs: int("budget-s", plugin ? "150" : "300", 1) * 1000,
    maxReruns: int("max-reruns", "25", 0),
  };
  const mode = plugin ? "plugin" : "engine";
  const out = resolve(values.out ?? `.soak/${mode}-${common.seed.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);
  const engine = plugin
    ? undefined
    : {
        perStack: int("per-stack", "10", 1),
        killWindowMs: int("kill-window-s", "8", 0) * 1000,
        cancelDelayMs: int("cancel-delay-ms", "5000", 0),
      };
  const options = { ...common, ...engine };

  const result = engine ? await soakEngine({ ...common, ...engine }) : await soakPlugin(common);
  const report = {
    command: ["npm run soak", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
    options: { ...options, budgetMs: undefined, budgetSeconds: common.budgetMs / 1000 },
    ...result,
  };
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${summary(report)}\nwritten to ${out}\n`);
  const failed = report.duplicateEffectiveCancels > 0 || report.lostCancellations > 0 || report.hangs > 0;
  if (failed) process.stderr.write("soak: FAILED (duplicates, lost cancellations or hangs above zero)\n");
  process.exit(failed ? 1 : 0);
}

type Report = Awaited<ReturnType<typeof soakEngine>> | Awaited<ReturnType<typeof soakPlugin>>;

function summary(r: Report): string {
  const f = r.faultsInjected;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const engine = r.mode === "engine" ? r : undefined;
  const lines = [
    `mode                        ${engine ? `pulumi up (Pulumi ${engine.pulumi}), ${engine.stacks} cleanup stacks` : "plugin (Check + Create over gRPC, no engine)"}`,
    `cancellations               ${r.cancellations} (${r.converged} converged; ${r.convergedAsAlreadyCanceled} re-runs found their earlier cancel already CANCELED)`,
    `faults injected (requests)  5xx ${f["5xx"]}, 429 ${f["429"]}, drop-after ${f["drop-after"]}, slow ${f.slow}`,
  ];
  if (engine) {
    const k = engine.faultsInjected;
    const a = engine.engineAnswers;
    lines.push(
      `SIGKILLs of pulumi's tree   ${k.kills} (${k.killsByPoint["random-delay"]} at a random moment, ${k.killsByPoint["after-cancel-applied"]} right after the service accepted a cancel; ` +
        `${k.processesKilled} processes; ${k.killsSkipped} drawn kills came after their run ended)`,
      `what the CLI asked for      ${a.lockedThenCancel} pulumi cancel (stack locked), ${a.pendingThenRefresh} pulumi refresh --clear-pending-creates (pending creates), ` +
        `${a.brokenCheckpointRepaired} empty .attrs removed (failed to load checkpoint: EOF); ${a.failedUpRerun} failed ups re-run`,
    );
  } else if (r.mode === "plugin") {
    lines.push(`plugin kills                ${r.faultsInjected.pluginKills} (${r.faultsInjected.pluginKillsSkipped} drawn kills found their create finished)`);
  }
  lines.push(
    `duplicate effective cancels ${r.duplicateEffectiveCancels}`,
    `lost cancellations          ${r.lostCancellations}`,
    `hangs past the budget       ${r.hangs}`,
    `most re-runs of one         ${r.maxRerunsOfOne}${engine ? " (pulumi up runs of one stack, minus 1)" : ""}`,
    `longest operation           ${seconds(r.longestOperationMs)} (one ${engine ? "pulumi up" : "Check+Create"}; longest ${engine ? "stack" : "cancellation"} incl. re-runs ${seconds(r.longestCancellationMs)})`,
    `requests                    ${r.requests.total}`,
    `wall time                   ${(r.wallMs / 1000).toFixed(1)} s (${r.cancellationsPerSecond} cancellations/s)`,
  );
  if (engine) lines.push(`leftover processes          ${engine.leftoverProcesses}`);
  return lines.join("\n");
}

runScript("soak", main);
