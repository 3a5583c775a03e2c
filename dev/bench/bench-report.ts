// What `npm run bench` writes: the typed results (docs/bench-results.json), the goals read from
// them, the generated section of BENCHMARKS.md and the chart.

import { barChart, type Panel } from "./chart.js";
import type { EngineCommand, EngineResults, EngineUp, ProgramState } from "./bench-engine.js";
import type { TrampolineShape } from "./bench-trampolines.js";
import { mean, round } from "../lib/figures.js";

/** One timed batch of cancellations below the engine (the implementation, or the plugin over gRPC). */
export interface DirectRun {
  path: string;
  cancellations: number;
  wallMs: number;
  idealMs?: number;
  ratioToIdeal?: number;
  failures: number;
  /** Every run's wall time, when the figure is the median of repeats. */
  wallMsRuns?: number[];
  requests: number;
  posts: number;
  throttled: number;
  duplicateEffectiveCancels: number;
  replays: number;
  lost: number;
  sampleError?: string;
}

export interface RateLimitResults {
  cancellations: number;
  requestsPerSecond: number;
  retryAfterSeconds: number;
  concurrency: number;
  repeats: number;
  /** Our client with today's retry rule (provider/client/retry.ts), the median of the repeats. */
  ours: DirectRun;
  /** The same with `retryAfterGate: true`: a Retry-After pauses every call of the client. */
  oursGated: DirectRun;
  /** oci-common with the generated SDK clients' default retry, the median of the repeats. */
  sdkDefault: DirectRun;
  /** oci-common with `new GenericRetrier({})`: one attempt, run once. */
  singleAttempt: DirectRun;
  /** 2 requests per cancellation through a bucket of `requestsPerSecond` tokens refilled at that rate. */
  floorMs: number;
  oursToFloor: number;
  gatedToFloor: number;
  speedupOverSdkDefault: number;
  baselineWarningsPrinted: number;
}

export interface BenchResults {
  generatedAt: string;
  command: string;
  machine: {
    cpus: number;
    cpuModel: string;
    node: string;
    platform: string;
    /** 1, 5 and 15 minute load averages when the bench started and when it ended. */
    loadAverageStart: number[];
    loadAverageEnd: number[];
  };
  settings: { latencyMs: number; concurrency: number; rps: number };
  /** The `__provider` text of each shape measured; the one the class stores first. */
  trampolines: TrampolineShape[];
  pluginStart?: { samples: Array<{ firstAnswerMs: number; configuredMs: number }>; medianFirstAnswerMs: number; medianConfiguredMs: number };
  /** Below the engine: the implementation and the plugin driven directly. */
  direct: DirectRun[];
  happyPath?: { cancellations: number; requestsPerCancellation: number; postsPerCancellation: number };
  pluginMemory?: { cancellations: number; rssAfterWarmUpKb: number; rssAfterKb: number; peakRssKb: number };
  rateLimit?: RateLimitResults;
  /** Through the real `pulumi` CLI. */
  engine?: EngineResults;
  benchWallMs: number;
  goals: Goal[];
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

const s1 = (ms: number) => (ms / 1000).toFixed(1);
const mb = (kb: number) => (kb === 0 ? "-" : String(Math.round(kb / 1024))); // 0: the process did not run
const cpu = (seconds: number, kb: number) => (kb === 0 ? "-" : String(seconds));

function state(engine: EngineResults, program: "ours" | "peer", when = "after up"): ProgramState | undefined {
  return engine.states.find((s) => s.program === program && s.when === when);
}

/** The ups at the size where ours and the peer are compared, default parallelism, checkpoints skipped. */
function detailUps(engine: EngineResults, program: "ours" | "peer"): EngineUp[] {
  return engine.ups.filter((u) => u.program === program && u.cancellations === engine.detailSize && u.parallelIsDefault && !u.checkpoints);
}

export function goals(r: Omit<BenchResults, "goals">): Goal[] {
  const out: Goal[] = [];
  if (r.happyPath) {
    out.push({ goal: "at most 1 POST per cancellation", measured: `${r.happyPath.postsPerCancellation}`, met: r.happyPath.postsPerCancellation <= 1 });
    out.push({
      goal: "at most 2 requests per cancellation",
      measured: `${r.happyPath.requestsPerCancellation}`,
      met: r.happyPath.requestsPerCancellation <= 2,
    });
  }
  const e = r.engine;
  if (e) {
    for (const g of e.growth) {
      out.push({
        goal: `pulumi up, per-resource time at ${g.to} at most 1.3x that at ${g.from} (--parallel ${g.parallel}, ${g.checkpoints ? "checkpoints on, the engine's default" : "PULUMI_SKIP_CHECKPOINTS"})`,
        measured: `${g.ratio}x (${g.perResourceMsFrom} -> ${g.perResourceMsTo} ms); in CPU time ${g.cpuRatio}x`,
        met: g.ratio <= 1.3,
      });
    }
    const ups = e.ups;
    const duplicates = ups.reduce((n, u) => n + u.duplicateEffectiveCancels, 0);
    const lost = ups.reduce((n, u) => n + u.lost, 0);
    out.push({
      goal: "every pulumi up: no duplicate cancel, none lost",
      measured: `${duplicates} duplicates, ${lost} lost over ${ups.length} runs`,
      met: duplicates === 0 && lost === 0,
    });
    out.push({ goal: "no dynamic-provider plugin left running after a command", measured: `${e.leftoverPlugins}`, met: e.leftoverPlugins === 0 });
    const ours = state(e, "ours");
    const peer = state(e, "peer");
    if (ours)
      out.push({
        goal: "state at most 2 KB per cancellation, all in (pulumi stack export)",
        measured: `${ours.bytesPerResource} bytes`,
        met: ours.bytesPerResource <= 2000,
      });
    if (ours && peer) {
      const ratio = round(ours.bytesPerResource / peer.bytesPerResource, 2);
      // The engine's records and the SDK's source positions are the same for any provider: the rest is the provider's doing.
      const own = (s: ProgramState) => s.perResource.serializedProvider + s.perResource.inputs + s.perResource.outputs;
      out.push({
        goal: "state at most 1/3 of the peer's",
        measured: `${ratio}x (${ours.bytesPerResource} vs ${peer.bytesPerResource} bytes); the provider's own bytes (__provider, inputs, outputs) ${round(own(ours) / own(peer), 2)}x (${own(ours)} vs ${own(peer)})`,
        met: ratio <= 1 / 3,
      });
    }
    const oursUps = detailUps(e, "ours");
    const peerUps = detailUps(e, "peer");
    if (oursUps.length > 0 && peerUps.length > 0) {
      const wall = (ups: EngineUp[]) => mean(ups.map((u) => u.wallMs));
      const cpu = (ups: EngineUp[]) => round(mean(ups.map((u) => u.cpuPerResourceMs)), 1);
      out.push({
        goal: `pulumi up at least as fast as the peer (${e.detailSize} matches, mean of ${oursUps.length} and ${peerUps.length} runs)`,
        measured: `${s1(wall(oursUps))} s vs ${s1(wall(peerUps))} s; CPU ${cpu(oursUps)} vs ${cpu(peerUps)} ms per resource`,
        met: wall(oursUps) <= wall(peerUps),
      });
    }
  }
  const stored = r.trampolines.find((t) => t.adopted);
  const serialized = r.trampolines.find((t) => !t.adopted);
  if (stored && serialized) {
    out.push({
      goal: "serialized provider under 1 KB",
      measured: `${stored.bytes} bytes stored by the class; ${serialized.bytes} as cancellationProvider serialized`,
      met: stored.bytes < 1000 && serialized.bytes < 1000,
    });
  }
  for (const run of r.direct) {
    if (run.ratioToIdeal === undefined) continue;
    out.push({
      goal: `${run.path}, ${run.cancellations} cancellations: at most 1.25x ideal`,
      measured: `${run.ratioToIdeal}x (${run.wallMs} ms vs ${run.idealMs} ms)`,
      met: run.ratioToIdeal <= 1.25,
    });
  }
  if (r.rateLimit) {
    const rl = r.rateLimit;
    const rules: Array<[string, DirectRun, number]> = [
      ["today's rule", rl.ours, rl.oursToFloor],
      ["client-wide gate", rl.oursGated, rl.gatedToFloor],
    ];
    for (const [rule, run, toFloor] of rules) {
      out.push({
        goal: `under the rate limit, ${rule}: within 1.1x of the floor`,
        measured: `${toFloor}x (${Math.round(run.wallMs)} ms vs ${rl.floorMs} ms)`,
        met: toFloor <= 1.1,
      });
      out.push({ goal: `under the rate limit, ${rule}: no failures`, measured: `${run.failures}`, met: run.failures === 0 });
      out.push({
        goal: `under the rate limit, ${rule}: no more wasted 429s than the oci-common baseline`,
        measured: `${run.throttled} vs ${rl.sdkDefault.throttled}`,
        met: run.throttled <= rl.sdkDefault.throttled,
      });
    }
  }
  return out;
}

function table(header: string[], rows: Array<Array<string | number>>): string[] {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((row) => `| ${row.join(" | ")} |`)];
}

const rss = (r: EngineUp | EngineCommand) => `${mb(r.peakRssKb.pulumi)}/${mb(r.peakRssKb.program)}/${mb(r.peakRssKb.plugin)}`;
const cpus = (r: EngineUp | EngineCommand) =>
  `${cpu(r.cpuSeconds.pulumi, r.peakRssKb.pulumi)}/${cpu(r.cpuSeconds.program, r.peakRssKb.program)}/${cpu(r.cpuSeconds.plugin, r.peakRssKb.plugin)}`;

function engineSection(e: EngineResults, latencyMs: number): string[] {
  const lines: string[] = [];
  lines.push(
    `Through the real CLI (pulumi ${e.pulumiVersion}, file backend, ${latencyMs} ms added to every round trip): \`pulumi up\` of a cleanup stack with N matches, ` +
      `a fresh stack each. Ideal = (list pages + ceil(N/P) × 2) × ${latencyMs} ms. Per resource = (wall − ${s1(e.fixedCostMs)} s, an up with one match) / (N − 1); CPU ms per resource likewise, over the CPU time of pulumi, the program and the plugin (${e.fixedCpuSeconds.toFixed(1)} s for one match). ` +
      `"skip" = \`PULUMI_SKIP_CHECKPOINTS=true\` (the state is written once at the end instead of after every step); default --parallel here: ${e.defaultParallel}.`,
  );
  lines.push("");
  lines.push(
    ...table(
      [
        "program",
        "matches",
        "--parallel",
        "checkpoints",
        "wall s",
        "ideal s",
        "× ideal",
        "per resource ms",
        "CPU ms per resource",
        "requests (list/GET/POST)",
        "dup",
        "lost",
        "peak RSS MB pulumi/program/plugin",
        "CPU s pulumi/program/plugin",
      ],
      e.ups.map((u) => [
        u.program,
        u.cancellations,
        `${u.parallel}${u.parallelIsDefault ? " (default)" : ""}`,
        u.checkpoints ? "on (default)" : "skip",
        s1(u.wallMs),
        s1(u.idealMs),
        `${u.ratioToIdeal}x`,
        u.perResourceMs,
        u.cpuPerResourceMs,
        `${u.requests.total} (${u.requests.list}/${u.requests.get}/${u.requests.cancel})`,
        u.duplicateEffectiveCancels,
        u.lost,
        rss(u),
        cpus(u),
      ]),
    ),
  );
  lines.push("");
  lines.push("Per-resource time, smallest to largest stack:");
  lines.push("");
  lines.push(
    ...table(
      ["--parallel", "checkpoints", "from", "to", "ms per resource", "growth", "CPU ms per resource", "CPU growth"],
      e.growth.map((g) => [
        g.parallel,
        g.checkpoints ? "on (default)" : "skip",
        g.from,
        g.to,
        `${g.perResourceMsFrom} → ${g.perResourceMsTo}`,
        `${g.ratio}x`,
        `${g.cpuPerResourceMsFrom} → ${g.cpuPerResourceMsTo}`,
        `${g.cpuRatio}x`,
      ]),
    ),
  );
  if (e.checkpointTerm) {
    const t = e.checkpointTerm;
    lines.push("");
    lines.push(
      `With checkpoints on, each resource costs ${t.msPerResourcePerResource} ms more per resource already in the stack (least squares over the runs above); ` +
        `extrapolated, not measured: ${t.extrapolatedTo} matches at the default --parallel would take about ${Math.round(t.extrapolatedWallMs / 1000)} s.`,
    );
  }
  lines.push("");
  lines.push("Other commands (skip checkpoints), on the one-match stack and on the stacks of the size compared:");
  lines.push("");
  lines.push(
    ...table(
      [
        "program",
        "command",
        "resources",
        "wall s",
        "requests (list/GET/POST)",
        "CLI summary",
        "peak RSS MB pulumi/program/plugin",
        "CPU s pulumi/program/plugin",
      ],
      e.commands.map((c: EngineCommand) => [
        c.program,
        c.what,
        c.resources,
        s1(c.wallMs),
        `${c.requests.total} (${c.requests.list}/${c.requests.get}/${c.requests.cancel})`,
        Object.entries(c.changes)
          .map(([k, v]) => `${v} ${k}`)
          .join(", "),
        rss(c),
        cpus(c),
      ]),
    ),
  );
  lines.push("");
  lines.push("State, from `pulumi stack export` (bytes as printed; one resource split by who put the bytes there, averaged over the cancellations):");
  lines.push("");
  lines.push(
    ...table(
      [
        "program",
        "when",
        "resources",
        "bytes per resource, all in",
        "one resource",
        "serialized provider (×2)",
        "sourcePosition + stackTrace",
        "engine records",
        "other inputs",
        "other outputs",
        "provider text",
      ],
      e.states.map((s) => {
        const p = s.perResource;
        const share = (part: number) => `${part} (${Math.round((100 * part) / p.total)} %)`;
        return [
          s.program,
          s.when,
          s.resources,
          s.bytesPerResource,
          p.total,
          share(p.serializedProvider),
          share(p.sourcePositions),
          share(p.engine),
          share(p.inputs),
          share(p.outputs),
          s.serializedProviderChars,
        ];
      }),
    ),
  );
  return lines;
}

export function markdownResults(r: BenchResults): string {
  const lines: string[] = [];
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(" / ");
  lines.push(
    `Measured ${r.generatedAt.slice(0, 16).replace("T", " ")} UTC on ${r.machine.cpus} cores (${r.machine.cpuModel}), Node ${r.machine.node}, with \`${r.command}\` ` +
      `(${(r.benchWallMs / 1000).toFixed(0)} s). Load average (1/5/15 min) at the start ${load(r.machine.loadAverageStart)}, at the end ${load(r.machine.loadAverageEnd)}.`,
  );
  lines.push("");
  lines.push(
    ...table(
      ["goal", "measured", "met"],
      r.goals.map((g) => [g.goal, g.measured, g.met ? "yes" : "**no**"]),
    ),
  );
  if (r.engine) {
    lines.push("");
    lines.push(...engineSection(r.engine, r.settings.latencyMs));
  }
  lines.push("");
  lines.push("`__provider` text (stored twice per resource, in its inputs and its outputs), by shape:");
  lines.push("");
  lines.push(
    ...table(
      ["shape", "bytes", "stored by the class", "note"],
      r.trampolines.map((t) => [t.shape, t.bytes, t.adopted ? "yes" : "no", t.note]),
    ),
  );
  lines.push("");
  lines.push(
    `Below the engine: the implementation and the plugin driven directly, ${r.settings.latencyMs} ms added to every round trip, ${r.settings.concurrency} in flight; ideal = ceil(N/${r.settings.concurrency}) × 2 × ${r.settings.latencyMs} ms:`,
  );
  lines.push("");
  lines.push(
    ...table(
      ["path", "cancellations", "wall ms", "ideal ms", "ratio", "requests", "POSTs", "failures", "duplicates", "lost"],
      r.direct.map((run) => [
        run.path,
        run.cancellations,
        run.wallMs,
        run.idealMs ?? "",
        `${run.ratioToIdeal}x`,
        run.requests,
        run.posts,
        run.failures,
        run.duplicateEffectiveCancels,
        run.lost,
      ]),
    ),
  );
  if (r.rateLimit) {
    const rl = r.rateLimit;
    lines.push("");
    lines.push(
      `Under a rate limit of ${rl.requestsPerSecond} requests/s (burst ${rl.requestsPerSecond}, 429 with Retry-After: ${rl.retryAfterSeconds}), ${rl.cancellations} cancellations each, ${rl.concurrency} in flight; ` +
        `median of ${rl.repeats} interleaved runs (all runs in brackets; failures summed over them; other counts from the median run):`,
    );
    lines.push("");
    const row = (run: DirectRun) => {
      const all = run.wallMsRuns ? ` (${run.wallMsRuns.map((ms) => Math.round(ms)).join(", ")})` : "";
      return [
        run.path,
        `${Math.round(run.wallMs)}${all}`,
        run.failures,
        run.requests,
        run.throttled,
        run.duplicateEffectiveCancels,
        run.replays,
        run.throttled + run.duplicateEffectiveCancels + run.replays,
      ];
    };
    lines.push(
      ...table(
        ["client", "wall ms", "failures", "requests", "429s", "duplicate effects", "replays", "wasted (429s + duplicates)"],
        [rl.ours, rl.oursGated, rl.sdkDefault, rl.singleAttempt].map(row),
      ),
    );
    lines.push("");
    lines.push(
      `Floor for any client making 2 requests per cancellation: ${rl.floorMs} ms; ours ${rl.oursToFloor}x of it (${rl.gatedToFloor}x with the gate). Speed-up over the SDK-default baseline: ${rl.speedupOverSdkDefault}x ` +
        `(at most ${round(rl.sdkDefault.wallMs / rl.floorMs, 2)}x for any client over this baseline run). The baseline printed ${rl.baselineWarningsPrinted} console warnings (one per retry).`,
    );
  }
  lines.push("");
  const ps = r.pluginStart;
  if (ps?.samples.length) {
    lines.push(
      `Plugin start to first answer (spawn → GetPluginInfo): median ${ps.medianFirstAnswerMs} ms of ${ps.samples.length} (${ps.samples.map((s) => Math.round(s.firstAnswerMs)).join(", ")}); to Configure answered: median ${ps.medianConfiguredMs} ms.`,
    );
  }
  if (r.pluginMemory) {
    const m = r.pluginMemory;
    lines.push(
      `Plugin memory, driven directly: VmRSS ${m.rssAfterWarmUpKb} kB after warm-up, ${m.rssAfterKb} kB after ${m.cancellations} cancellations through it (VmHWM peak ${m.peakRssKb} kB).`,
    );
  }
  return lines.join("\n");
}

export function chart(r: BenchResults): string {
  const panels: Panel[] = [];
  const e = r.engine;
  if (e) {
    const colour = (u: EngineUp) => (u.program === "peer" ? "#b05a2f" : u.checkpoints ? "#7a4fb0" : "#2f6fb0");
    panels.push({
      title: `pulumi up of a cleanup stack through the real CLI, ${r.settings.latencyMs} ms latency (dashed: ideal; purple: checkpoints on; orange: the peer)`,
      unit: "s",
      bars: e.ups.map((u) => ({
        label: `${u.program}, ${u.cancellations} matches, -p ${u.parallel}${u.checkpoints ? ", checkpoints" : ""}`,
        value: u.wallMs / 1000,
        marker: u.idealMs / 1000,
        color: colour(u),
      })),
    });
    panels.push({
      title: "State per resource, all in (pulumi stack export)",
      unit: "KB",
      bars: e.states.map((s) => ({ label: `${s.program}, ${s.when}`, value: s.bytesPerResource / 1024, color: s.program === "peer" ? "#b05a2f" : "#2f6fb0" })),
    });
  }
  panels.push({
    title: `Below the engine: ${r.settings.concurrency} in flight (dashed: ideal)`,
    unit: "s",
    bars: r.direct.map((run) => ({
      label: `${run.path}, ${run.cancellations} cancellations`,
      value: run.wallMs / 1000,
      ...(run.idealMs !== undefined ? { marker: run.idealMs / 1000 } : {}),
      color: run.path === "plugin" ? "#7a4fb0" : "#2f6fb0",
    })),
  });
  if (r.rateLimit) {
    const rl = r.rateLimit;
    panels.push({
      title: `${rl.cancellations} cancellations under ${rl.requestsPerSecond} req/s, Retry-After ${rl.retryAfterSeconds} s (dashed: floor for 2 requests each)`,
      unit: "s",
      bars: [rl.ours, rl.oursGated, rl.sdkDefault, rl.singleAttempt].map((run, i) => ({
        label: `${run.path}${run.failures ? ` (${run.failures} failed)` : ""}`,
        value: run.wallMs / 1000,
        marker: rl.floorMs / 1000,
        color: i < 2 ? "#2f6fb0" : "#b05a2f",
      })),
    });
  }
  return barChart(
    "pulumi-oci-query-execution-cancellation: npm run bench",
    panels,
    `${r.machine.cpus} cores, ${r.machine.node}, ${r.generatedAt.slice(0, 10)}; figures in docs/bench-results.json`,
  );
}
