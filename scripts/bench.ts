// `npm run bench`: what a cancellation costs, measured side by side in one run against the
// emulator (in its own process, behind a proxy adding a fixed latency to every round trip).
// Writes docs/bench-results.json, docs/bench-chart.svg and the results section of BENCHMARKS.md.
// Figures are reported here, never asserted in tests: timings depend on the machine.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import {
  DefaultRequestSigner,
  FetchHttpClient,
  GenericRetrier,
  OciSdkDefaultRetryConfiguration,
  SimpleAuthenticationDetailsProvider,
  type RetryConfiguration,
} from "oci-common";
import { createImplementation } from "../provider/implementation.js";
import { cancellationProvider } from "../provider/provider.js";
import { serializeProvider, startPlugin } from "../plugin-harness/index.js";
import { barChart } from "./lib/chart.js";
import type { RateLimitSpec } from "../emulator/index.js";
import type { StartAnswer, Summary } from "./lib/emulator-child.js";
import { EmulatorProcess } from "./lib/emulator-process.js";
import { PluginHost, REPO_ROOT } from "./lib/plugin-host.js";
import { integerFlag, runScript } from "./lib/cli.js";
import { runPool, since } from "./lib/pool.js";

const HELP = `Usage: npm run bench -- [options]

Options:
  --sizes LIST          Cancellation counts timed at the given latency (default 50,200,1000)
  --latency-ms N        Added to every round trip (default 50)
  --concurrency N       Cancellations in flight (default 16)
  --plugin-size N       Cancellations through the real plugin, after which its RSS is read (default 1000)
  --rate-limited N      Cancellations under the rate limit, per client (default 200)
  --rps N               The emulator's rate limit, requests per second (default 20)
  --repeats N           Runs of each rate-limited scenario; the median is reported (default 3)
  --plugin-starts N     Samples of plugin start-to-first-answer (default 5)
  --plugin-node-options S  NODE_OPTIONS for the plugin under load, e.g. --max-old-space-size=64
  --json FILE           (default docs/bench-results.json)
  --chart FILE          (default docs/bench-chart.svg)
  --markdown FILE       Results section replaced between markers (default BENCHMARKS.md)
  -h, --help            Show this help`;

type Execution = { projectId: string; id: string };
type Drive = (e: Execution) => Promise<void>;

interface Run {
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

function options() {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "50,200,1000" },
      "latency-ms": { type: "string", default: "50" },
      concurrency: { type: "string", default: "16" },
      "plugin-size": { type: "string", default: "1000" },
      "rate-limited": { type: "string", default: "200" },
      rps: { type: "string", default: "20" },
      "plugin-starts": { type: "string", default: "5" },
      repeats: { type: "string", default: "3" },
      "plugin-node-options": { type: "string" },
      json: { type: "string", default: "docs/bench-results.json" },
      chart: { type: "string", default: "docs/bench-chart.svg" },
      markdown: { type: "string", default: "BENCHMARKS.md" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const int = integerFlag;
  return {
    sizes: values.sizes!.split(",").map((s) => int("sizes", s.trim(), 1)),
    latencyMs: int("latency-ms", values["latency-ms"]!, 0),
    concurrency: int("concurrency", values.concurrency!, 1),
    pluginSize: int("plugin-size", values["plugin-size"]!, 0),
    rateLimited: int("rate-limited", values["rate-limited"]!, 0),
    rps: int("rps", values.rps!, 1),
    pluginStarts: int("plugin-starts", values["plugin-starts"]!, 0),
    pluginNodeOptions: values["plugin-node-options"],
    repeats: int("repeats", values.repeats!, 1),
    json: values.json!,
    chart: values.chart!,
    markdown: values.markdown!,
  };
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function main(): Promise<void> {
  const o = options();
  const started = performance.now();
  // Its own implementation: the progress lines would flood the terminal.
  const quiet = () => createImplementation({ log: () => undefined });
  let implementation = quiet();

  const results: Record<string, unknown> = {
    generatedAt: new Date().toISOString(),
    command: ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "", node: process.version, platform: process.platform },
    settings: { latencyMs: o.latencyMs, concurrency: o.concurrency, rps: o.rps },
  };

  // 1. Serialized provider size: what Pulumi stores (twice) in every resource's state.
  const provider = cancellationProvider;
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  results.serializedProviderBytes = serialized.text.length;
  log(`serialized provider: ${serialized.text.length} bytes`);

  // 2. Plugin start to first answer, on a quiet machine (before any load).
  const starts: Array<{ firstAnswerMs: number; configuredMs: number }> = [];
  for (let i = 0; i < o.pluginStarts; i++) {
    const t0 = performance.now();
    const plugin = await startPlugin({ cwd: REPO_ROOT, project: "bench" });
    await plugin.getPluginInfo();
    const firstAnswerMs = since(t0);
    await plugin.configure({});
    starts.push({ firstAnswerMs, configuredMs: since(t0) });
    await plugin.stop();
  }
  results.pluginStart = {
    samples: starts,
    medianFirstAnswerMs: median(starts.map((s) => s.firstAnswerMs)),
    medianConfiguredMs: median(starts.map((s) => s.configuredMs)),
  };
  log(`plugin start to first answer: median ${median(starts.map((s) => s.firstAnswerMs))} ms`);

  const { emulator, service } = await EmulatorProcess.start(o.latencyMs);
  const host = new PluginHost("bench", o.pluginNodeOptions ? { NODE_OPTIONS: o.pluginNodeOptions } : {});
  try {
    const connection = { endpoint: service.url, configFile: service.configFile, profile: service.profile };
    const viaImplementation: Drive = async ({ projectId, id }) => {
      const checked = await implementation.check({}, { projectId, queryExecutionId: id, ...connection });
      if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
      const created = await implementation.create(checked.inputs);
      if (created.outs.outcome !== "CANCEL_REQUESTED") throw new Error(`create recorded ${String(created.outs.outcome)}`);
    };
    const providerText = await serializeProvider(cancellationProvider);
    const viaPlugin: Drive = async ({ projectId, id }) => {
      const { plugin } = await host.acquire();
      const urn = `urn:pulumi:bench::bench::pulumi-nodejs:dynamic:Resource::${id}`;
      const checked = await plugin.check(urn, {}, { projectId, queryExecutionId: id, ...connection, __provider: providerText });
      if (checked.failures.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
      const created = await plugin.create(urn, checked.inputs);
      if (created.properties.outcome !== "CANCEL_REQUESTED") throw new Error(`create recorded ${String(created.properties.outcome)}`);
    };

    const timed = async (path: string, n: number, drive: Drive, withIdeal: boolean, limit?: RateLimitSpec): Promise<Run> => {
      await emulator.reset(); // forgets executions, the request log, faults and the rate limit
      if (limit) await emulator.rateLimit(limit);
      const executions = await emulator.seed(n);
      let failures = 0;
      let sampleError: string | undefined;
      const t0 = performance.now();
      await runPool(n, o.concurrency, async (i) => {
        try {
          await drive(executions[i]!);
        } catch (e) {
          failures += 1;
          sampleError ??= String((e as Error)?.message ?? e).slice(0, 300);
        }
      });
      const wallMs = since(t0);
      const s = await emulator.summary(executions.map((e) => e.id));
      const run: Run = { path, cancellations: n, wallMs, failures, ...counts(s) };
      if (withIdeal) {
        run.idealMs = Math.ceil(n / o.concurrency) * 2 * o.latencyMs;
        run.ratioToIdeal = round(wallMs / run.idealMs, 3);
      }
      if (sampleError) run.sampleError = sampleError;
      log(`${path} x${n}: ${wallMs} ms${run.ratioToIdeal ? ` (${run.ratioToIdeal}x ideal)` : ""}, ${run.requests} requests, ${failures} failures`);
      return run;
    };

    // Warm-up (not reported): first credentials load, JIT, kept-alive connections.
    await timed("warm-up", o.concurrency, viaImplementation, false);

    // 3. Wall time against the ideal, through the provider implementation (check, then create).
    const wall: Run[] = [];
    for (const n of o.sizes) wall.push(await timed("implementation", n, viaImplementation, true));
    results.wallTime = wall;
    const largest = wall[wall.length - 1]!;
    results.happyPath = {
      cancellations: largest.cancellations,
      requestsPerCancellation: round(largest.requests / largest.cancellations, 3),
      postsPerCancellation: round(largest.posts / largest.cancellations, 3),
    };

    // 4. The same through the real plugin, then its memory.
    if (o.pluginSize > 0) {
      const { plugin } = await host.acquire();
      await timed("warm-up", o.concurrency, viaPlugin, false);
      const before = memoryOf(plugin.pid);
      const run = await timed("plugin", o.pluginSize, viaPlugin, true);
      const after = memoryOf(plugin.pid);
      wall.push(run);
      results.pluginMemory = { cancellations: o.pluginSize, pid: plugin.pid, rssAfterWarmUpKb: before.rssKb, rssAfterKb: after.rssKb, peakRssKb: after.hwmKb };
      log(`plugin RSS after ${o.pluginSize} cancellations: ${after.rssKb} kB (peak ${after.hwmKb} kB)`);
      await host.close();
    }

    // 5. Under a rate limit: our client against what a user would hand-roll with oci-common.
    if (o.rateLimited > 0) {
      const limit = { requestsPerSecond: o.rps, retryAfterSeconds: 1 };
      const underLimit = (path: string, drive: Drive): Promise<Run> => timed(path, o.rateLimited, drive, false, limit);
      const warnings = { count: 0 };
      const scenarios: Array<[string, () => Promise<Run>]> = [
        ["ours (provider implementation)", () => underLimit("ours (provider implementation)", viaImplementation)],
        ["oci-common, SDK default retry", () => quietly(warnings, () => underLimit("oci-common, SDK default retry", baseline(service, OciSdkDefaultRetryConfiguration)))],
      ];
      // Jitter decides who collides, so single runs vary: each scenario runs `repeats` times, interleaved.
      const samples = new Map<string, Run[]>(scenarios.map(([name]) => [name, []]));
      for (let r = 0; r < o.repeats; r++) {
        for (const [name, run] of scenarios) {
          implementation.close();
          implementation = quiet(); // a fresh client each run: no connection or credentials carried over
          samples.get(name)!.push(await run());
        }
      }
      const rows = [...samples.entries()].map(([path, runs]) => combine(path, runs));
      rows.splice(2, 0, await quietly(warnings, () => underLimit("oci-common, new GenericRetrier({})", baseline(service, {}))));
      const [ours, sdkDefault] = rows as [Run, Run];
      results.rateLimit = {
        cancellations: o.rateLimited,
        ...limit,
        concurrency: o.concurrency,
        repeats: o.repeats,
        runs: rows,
        // 2 requests per cancellation through a bucket of `burst` tokens refilled at `rps`.
        floorMs: Math.round(((2 * o.rateLimited - o.rps) / o.rps) * 1000),
        speedupOverSdkDefault: round(sdkDefault.wallMs / ours.wallMs, 2),
        baselineWarningsPrinted: warnings.count,
      };
    }
  } finally {
    await host.close();
    await emulator.close();
  }
  results.benchWallMs = since(started);
  results.goals = goals(results);

  await writeOut(o.json, `${JSON.stringify(results, null, 2)}\n`);
  await writeOut(o.chart, chart(results));
  await updateMarkdown(o.markdown, results);
  process.stdout.write(`${markdownResults(results)}\nwritten: ${o.json}, ${o.chart}, ${o.markdown}\n`);
  process.exit(0);
}

/**
 * One cancellation as a user would write it with oci-common alone: GET for the etag, then POST
 * the cancel with if-match and a retry token, each through FetchHttpClient (signing with
 * DefaultRequestSigner) and GenericRetrier with the configuration given, as generated OCI SDK
 * clients do (`createPreferredRetrier(client, request, OciSdkDefaultRetryConfiguration)`).
 */
function baseline(service: StartAnswer, retry: RetryConfiguration): Drive {
  const auth = new SimpleAuthenticationDetailsProvider(service.tenancy, service.user, service.fingerprint, service.privateKeyPem, null);
  const http = new FetchHttpClient(new DefaultRequestSigner(auth));
  return async ({ projectId, id }) => {
    const uri = `${service.url}/20210831/projects/${encodeURIComponent(projectId)}/queryExecutions/${encodeURIComponent(id)}`;
    const retrier = retry === OciSdkDefaultRetryConfiguration ? GenericRetrier.createPreferredRetrier(undefined, undefined, retry) : new GenericRetrier(retry);
    const got = await retrier.makeServiceCall(http, { method: "GET", uri, headers: new Headers({ accept: "application/json" }) }, "QueryService", "GetQueryExecution", "");
    const etag = got.headers.get("etag") ?? "";
    await got.text();
    const cancel = await retrier.makeServiceCall(
      http,
      {
        method: "POST",
        uri: `${uri}/actions/cancel`,
        headers: new Headers({ accept: "application/json", "content-type": "application/json", "if-match": etag, "opc-retry-token": randomUUID() }),
        body: "",
      },
      "QueryService",
      "CancelQueryExecution",
      "",
    );
    await cancel.text();
  };
}

/** GenericRetrier console.warns every retry; counted instead of printed. */
async function quietly<T>(warnings: { count: number }, fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => void (warnings.count += 1);
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

/** The median run by wall time stands for the repeats; failures and duplicates are summed over all. */
function combine(path: string, runs: Run[]): Run {
  const sorted = runs.slice().sort((a, b) => a.wallMs - b.wallMs);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  const sum = (k: "failures" | "duplicateEffectiveCancels" | "lost") => runs.reduce((n, r) => n + r[k], 0);
  return { ...mid, path, wallMsRuns: runs.map((r) => r.wallMs), failures: sum("failures"), duplicateEffectiveCancels: sum("duplicateEffectiveCancels"), lost: sum("lost") };
}

function counts(s: Summary) {
  return {
    requests: s.requests,
    posts: s.byOperation.CancelQueryExecution ?? 0,
    throttled: s.byStatus["429"] ?? 0,
    duplicateEffectiveCancels: s.duplicateEffectiveCancels,
    replays: s.replays,
    lost: s.lost,
  };
}

function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

function goals(r: Record<string, any>): Goal[] {
  const out: Goal[] = [];
  if (r.happyPath) {
    out.push({ goal: "at most 1 POST per cancellation", measured: `${r.happyPath.postsPerCancellation}`, met: r.happyPath.postsPerCancellation <= 1 });
    out.push({ goal: "at most 2 requests per cancellation", measured: `${r.happyPath.requestsPerCancellation}`, met: r.happyPath.requestsPerCancellation <= 2 });
  }
  for (const run of (r.wallTime ?? []) as Run[]) {
    if (run.ratioToIdeal === undefined) continue;
    out.push({ goal: `${run.path}, ${run.cancellations} cancellations: at most 1.25x ideal`, measured: `${run.ratioToIdeal}x (${run.wallMs} ms vs ${run.idealMs} ms)`, met: run.ratioToIdeal <= 1.25 });
  }
  if (r.rateLimit) {
    const ours = r.rateLimit.runs[0] as Run;
    out.push({ goal: "no failures under the rate limit", measured: `${ours.failures}`, met: ours.failures === 0 });
    out.push({ goal: "at least 2x faster than the oci-common baseline under the rate limit", measured: `${r.rateLimit.speedupOverSdkDefault}x`, met: r.rateLimit.speedupOverSdkDefault >= 2 });
  }
  if (r.serializedProviderBytes !== undefined) {
    out.push({ goal: "serialized provider under 1.5 KB", measured: `${r.serializedProviderBytes} bytes`, met: r.serializedProviderBytes < 1500 });
  }
  return out;
}

function chart(r: Record<string, any>): string {
  const wall = ((r.wallTime ?? []) as Run[]).map((run) => ({
    label: `${run.path}, ${run.cancellations} cancellations`,
    value: run.wallMs / 1000,
    ...(run.idealMs !== undefined ? { marker: run.idealMs / 1000 } : {}),
    color: run.path === "plugin" ? "#7a4fb0" : "#2f6fb0",
  }));
  const panels = [{ title: `Wall time at ${r.settings.latencyMs} ms latency, ${r.settings.concurrency} in flight (dashed: ideal)`, unit: "s", bars: wall }];
  if (r.rateLimit) {
    panels.push({
      title: `${r.rateLimit.cancellations} cancellations under ${r.rateLimit.requestsPerSecond} req/s, Retry-After ${r.rateLimit.retryAfterSeconds} s (dashed: floor for 2 requests each)`,
      unit: "s",
      bars: (r.rateLimit.runs as Run[]).map((run, i) => ({
        label: `${run.path}${run.failures ? ` (${run.failures} failed)` : ""}`,
        value: run.wallMs / 1000,
        marker: r.rateLimit.floorMs / 1000,
        color: i === 0 ? "#2f6fb0" : "#b05a2f",
      })),
    });
  }
  return barChart("pulumi-oci-query-execution-cancellation: npm run bench", panels, `${r.machine.cpus} cores, ${r.machine.node}, ${r.generatedAt.slice(0, 10)}; figures in docs/bench-results.json`);
}

function markdownResults(r: Record<string, any>): string {
  const lines: string[] = [];
  lines.push(`Measured ${r.generatedAt.slice(0, 16).replace("T", " ")} UTC on ${r.machine.cpus} cores (${r.machine.cpuModel}), Node ${r.machine.node}, with \`${r.command}\` (${(r.benchWallMs / 1000).toFixed(0)} s).`);
  lines.push("");
  lines.push("| goal | measured | met |", "|---|---|---|");
  for (const g of r.goals as Goal[]) lines.push(`| ${g.goal} | ${g.measured} | ${g.met ? "yes" : "**no**"} |`);
  lines.push("");
  lines.push(`Wall time, ${r.settings.latencyMs} ms added to every round trip, ${r.settings.concurrency} in flight; ideal = ceil(N/${r.settings.concurrency}) × 2 × ${r.settings.latencyMs} ms:`);
  lines.push("");
  lines.push("| path | cancellations | wall ms | ideal ms | ratio | requests | POSTs | failures | duplicates | lost |", "|---|---|---|---|---|---|---|---|---|---|");
  for (const run of r.wallTime as Run[]) {
    lines.push(`| ${run.path} | ${run.cancellations} | ${run.wallMs} | ${run.idealMs} | ${run.ratioToIdeal}x | ${run.requests} | ${run.posts} | ${run.failures} | ${run.duplicateEffectiveCancels} | ${run.lost} |`);
  }
  if (r.rateLimit) {
    const rl = r.rateLimit;
    lines.push("");
    lines.push(`Under a rate limit of ${rl.requestsPerSecond} requests/s (burst ${rl.requestsPerSecond}, 429 with Retry-After: ${rl.retryAfterSeconds}), ${rl.cancellations} cancellations each, ${rl.concurrency} in flight; median of ${rl.repeats} interleaved runs (all runs in brackets; failures summed over them; other counts from the median run):`);
    lines.push("");
    lines.push("| client | wall ms | failures | requests | 429s | duplicate effects | replays | wasted (429s + duplicates) |", "|---|---|---|---|---|---|---|---|");
    for (const run of rl.runs as Run[]) {
      const all = run.wallMsRuns ? ` (${run.wallMsRuns.map((ms) => Math.round(ms)).join(", ")})` : "";
      lines.push(`| ${run.path} | ${Math.round(run.wallMs)}${all} | ${run.failures} | ${run.requests} | ${run.throttled} | ${run.duplicateEffectiveCancels} | ${run.replays} | ${run.throttled + run.duplicateEffectiveCancels + run.replays} |`);
    }
    lines.push("");
    lines.push(`Speed-up over the SDK-default baseline: ${rl.speedupOverSdkDefault}x. Floor for any client making 2 requests per cancellation: ${rl.floorMs} ms (so at most ${round(rl.runs[1].wallMs / rl.floorMs, 2)}x over this baseline run). The baseline printed ${rl.baselineWarningsPrinted} console warnings (one per retry).`);
  }
  lines.push("");
  lines.push(`Serialized provider: ${r.serializedProviderBytes} bytes per resource (stored twice in state).`);
  const ps = r.pluginStart;
  if (ps?.samples?.length) {
    lines.push(`Plugin start to first answer (spawn → GetPluginInfo): median ${ps.medianFirstAnswerMs} ms of ${ps.samples.length} (${ps.samples.map((s: { firstAnswerMs: number }) => Math.round(s.firstAnswerMs)).join(", ")}); to Configure answered: median ${ps.medianConfiguredMs} ms.`);
  }
  if (r.pluginMemory) {
    const m = r.pluginMemory;
    lines.push(`Plugin memory: VmRSS ${m.rssAfterWarmUpKb} kB after warm-up, ${m.rssAfterKb} kB after ${m.cancellations} cancellations through it (VmHWM peak ${m.peakRssKb} kB).`);
  }
  return lines.join("\n");
}

const START = "<!-- bench:results:start (generated by npm run bench; edits here are overwritten) -->";
const END = "<!-- bench:results:end -->";

async function updateMarkdown(file: string, r: Record<string, any>): Promise<void> {
  const path = resolve(file);
  let text = "";
  try {
    text = await readFile(path, "utf8");
  } catch {
    text = `# Benchmarks\n\n${START}\n${END}\n`;
  }
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  const section = `${START}\n${markdownResults(r)}\n${END}`;
  text = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + END.length) : `${text.trimEnd()}\n\n${section}\n`;
  await writeFile(path, text);
}

async function writeOut(file: string, text: string): Promise<void> {
  const path = resolve(file);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

runScript("bench", main);
