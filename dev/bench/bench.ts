// `npm run bench`: what a cancellation costs, measured side by side in one run against the
// emulator (in its own process, behind a proxy adding a fixed latency to every round trip): through
// the real `pulumi` CLI (cleanup stacks, ours and the peer a user would write instead), below it
// (the implementation, the plugin over gRPC), and under a rate limit against an oci-common baseline.
// Writes docs/bench-results.json, docs/bench-chart.svg and the results section of BENCHMARKS.md.
// Figures are reported here, never asserted in tests: timings depend on the machine.

import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import {
  DefaultRequestSigner,
  FetchHttpClient,
  GenericRetrier,
  OciSdkDefaultRetryConfiguration,
  SimpleAuthenticationDetailsProvider,
  type RetryConfiguration,
} from "oci-common";
import type { QueryServiceClientOptions } from "../../provider/client/types.js";
import { createImplementation } from "../../provider/implementation.js";
import { PROVIDER_MODULE } from "../../provider/provider.js";
import { startPlugin } from "../plugin-harness/index.js";
import type { RateLimitSpec } from "../../emulator/index.js";
import { EngineBench } from "./bench-engine.js";
import { chart, goals, markdownResults, type BenchResults, type DirectRun, type RateLimitResults } from "./bench-report.js";
import { measureTrampolines } from "./bench-trampolines.js";
import type { StartAnswer, Summary } from "./emulator-child.js";
import { EmulatorProcess } from "./emulator-process.js";
import { PluginHost, REPO_ROOT } from "../plugin-harness/host.js";
import { ensurePulumiCli, type PulumiCli } from "../pulumi/pulumi-cli.js";
import { integerFlag, parseFlags, runScript, UsageError } from "../lib/flags.js";
import { runPool, since } from "../lib/pool.js";
import { memoryOf } from "../pulumi/process-tree.js";
import { median, round } from "../lib/figures.js";

const HELP = `Usage: npm run bench -- [options]

Options:
  --quick               A smoke run of a minute or two: small sizes, one repeat; writes to
                        .bench-tmp/quick/ unless --json/--chart/--markdown say otherwise
  --engine-sizes LIST   Matches per cleanup stack through the real pulumi (default 200,1000,2000;
                        "none" skips the CLI part)
  --engine-parallel LIST  --parallel values besides the engine's default (default 16,64)
  --checkpoint-sizes LIST Sizes run again with the engine's per-step checkpoints on, its default;
                        the peer too at the largest (default 200,500; "none" skips them)
  --detail-size N       Where the no-op up, refresh, state and the peer are measured (default 1000;
                        one of --engine-sizes)
  --sizes LIST          Cancellations through the implementation (default 50,200,1000)
  --latency-ms N        Added to every round trip (default 50)
  --concurrency N       Cancellations in flight below the engine (default 16)
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

/** Defaults, and what --quick changes; a flag given explicitly wins over both. */
const DEFAULTS = {
  "engine-sizes": "200,1000,2000",
  "engine-parallel": "16,64",
  "checkpoint-sizes": "200,500",
  "detail-size": "1000",
  sizes: "50,200,1000",
  "latency-ms": "50",
  concurrency: "16",
  "plugin-size": "1000",
  "rate-limited": "200",
  rps: "20",
  repeats: "3",
  "plugin-starts": "5",
  json: "docs/bench-results.json",
  chart: "docs/bench-chart.svg",
  markdown: "BENCHMARKS.md",
};
const QUICK: Partial<typeof DEFAULTS> = {
  "engine-sizes": "20,100",
  "engine-parallel": "64",
  "checkpoint-sizes": "20,100",
  "detail-size": "100",
  sizes: "50",
  "plugin-size": "100",
  "rate-limited": "40",
  repeats: "1",
  "plugin-starts": "2",
  json: ".bench-tmp/quick/bench-results.json",
  chart: ".bench-tmp/quick/bench-chart.svg",
  markdown: ".bench-tmp/quick/BENCHMARKS.md",
};

function options() {
  const values = parseFlags(
    {
      quick: { type: "boolean" },
      ...Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, { type: "string" as const }])),
      "plugin-node-options": { type: "string" },
    },
    HELP,
  );
  const flag = (name: keyof typeof DEFAULTS): string => {
    const given = (values as Record<string, string | boolean | undefined>)[name];
    return typeof given === "string" ? given : ((values.quick ? QUICK[name] : undefined) ?? DEFAULTS[name]);
  };
  const int = (name: keyof typeof DEFAULTS, min: number) => integerFlag(name, flag(name), min);
  const list = (name: keyof typeof DEFAULTS, min: number) =>
    flag(name) === "none"
      ? []
      : flag(name)
          .split(",")
          .map((s) => integerFlag(name, s.trim(), min));
  const engineSizes = list("engine-sizes", 1);
  const detailSize = int("detail-size", 1);
  if (engineSizes.length > 0 && !engineSizes.includes(detailSize)) {
    throw new UsageError(`--detail-size: one of --engine-sizes (${engineSizes.join(",")}) expected; got ${detailSize}`);
  }
  return {
    quick: values.quick === true,
    engineSizes,
    engineParallel: list("engine-parallel", 1),
    checkpointSizes: list("checkpoint-sizes", 1),
    detailSize,
    sizes: list("sizes", 1),
    latencyMs: int("latency-ms", 0),
    concurrency: int("concurrency", 1),
    pluginSize: int("plugin-size", 0),
    rateLimited: int("rate-limited", 0),
    rps: int("rps", 1),
    pluginStarts: int("plugin-starts", 0),
    pluginNodeOptions: typeof values["plugin-node-options"] === "string" ? values["plugin-node-options"] : undefined,
    repeats: int("repeats", 1),
    json: flag("json"),
    chart: flag("chart"),
    markdown: flag("markdown"),
  };
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

type Options = ReturnType<typeof options>;
type PluginStart = NonNullable<BenchResults["pluginStart"]>;

async function main(): Promise<void> {
  const o = options();
  const started = performance.now();
  const loadAverageStart = loadavg();
  log(`load average ${loadAverageStart.map((l) => l.toFixed(1)).join(" / ")} on ${cpus().length} cores${o.quick ? "; --quick: a smoke run" : ""}`);

  const trampolines = await measureTrampolines();
  log(`__provider text the class stores: ${trampolines[0]!.bytes} bytes (${trampolines.length - 1} other shapes measured)`);
  const pluginStart = await measurePluginStarts(o.pluginStarts);

  const cli = o.engineSizes.length > 0 ? await ensurePulumiCli(log) : undefined;
  const { emulator, service } = await EmulatorProcess.start(o.latencyMs);
  const host = new PluginHost("bench", o.pluginNodeOptions ? { NODE_OPTIONS: o.pluginNodeOptions } : {});
  const measured: Measured = { direct: [] };
  try {
    if (cli) measured.engine = await measureEngine(cli, emulator, service, o);
    await measureDirect(emulator, service, host, o, measured);
  } finally {
    await host.close();
    await emulator.close();
  }
  const results = assembleResults(o, { started, loadAverageStart, trampolines, pluginStart, ...measured });

  await writeOut(o.json, `${JSON.stringify(results, null, 2)}\n`);
  await writeOut(o.chart, chart(results));
  await updateMarkdown(o.markdown, results);
  process.stdout.write(`${markdownResults(results)}\n\nwritten: ${o.json}, ${o.chart}, ${o.markdown} (${(results.benchWallMs / 1000).toFixed(0)} s)\n`);
  process.exit(0);
}

/** What the steps below the engine and through it found. */
interface Measured {
  direct: DirectRun[];
  pluginMemory?: BenchResults["pluginMemory"];
  rateLimit?: RateLimitResults;
  engine?: BenchResults["engine"];
}

/** Plugin start to first answer, before any load. */
async function measurePluginStarts(count: number): Promise<PluginStart | undefined> {
  const starts: Array<{ firstAnswerMs: number; configuredMs: number }> = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const plugin = await startPlugin({ cwd: REPO_ROOT, project: "bench" });
    await plugin.getPluginInfo();
    const firstAnswerMs = since(t0);
    await plugin.configure({});
    starts.push({ firstAnswerMs, configuredMs: since(t0) });
    await plugin.stop();
  }
  if (starts.length === 0) return undefined;
  const pluginStart = {
    samples: starts,
    medianFirstAnswerMs: median(starts.map((s) => s.firstAnswerMs)),
    medianConfiguredMs: median(starts.map((s) => s.configuredMs)),
  };
  log(`plugin start to first answer: median ${pluginStart.medianFirstAnswerMs} ms`);
  return pluginStart;
}

/** Through the real CLI: cleanup stacks, ours and the peer. */
function measureEngine(cli: PulumiCli, emulator: EmulatorProcess, service: StartAnswer, o: Options): Promise<BenchResults["engine"]> {
  const engineOptions = {
    sizes: o.engineSizes,
    parallels: o.engineParallel,
    checkpointSizes: o.checkpointSizes,
    detailSize: o.detailSize,
    latencyMs: o.latencyMs,
  };
  return EngineBench.run(cli, emulator, service, engineOptions, log);
}

/**
 * Below the engine: the implementation (check, then create), after a warm-up that is not reported
 * (first credentials load, JIT, kept-alive connections); the same through the real plugin, then
 * its memory; then under a rate limit, our client against what a user would hand-roll with oci-common.
 */
async function measureDirect(emulator: EmulatorProcess, service: StartAnswer, host: PluginHost, o: Options, into: Measured): Promise<void> {
  const timed = timedRuns(emulator, o);
  const { fresh, viaPlugin } = drivers(service, host);
  const viaImplementation = fresh()().drive;
  await timed("warm-up", o.concurrency, viaImplementation, false);
  for (const n of o.sizes) into.direct.push(await timed("implementation", n, viaImplementation, true));

  if (o.pluginSize > 0) {
    const { plugin } = await host.acquire();
    await timed("warm-up", o.concurrency, viaPlugin, false);
    const before = memoryOf(plugin.pid);
    into.direct.push(await timed("plugin", o.pluginSize, viaPlugin, true));
    const after = memoryOf(plugin.pid);
    into.pluginMemory = { cancellations: o.pluginSize, rssAfterWarmUpKb: before.rssKb, rssAfterKb: after.rssKb, peakRssKb: after.hwmKb };
    log(`plugin RSS after ${o.pluginSize} cancellations: ${after.rssKb} kB (peak ${after.hwmKb} kB)`);
    await host.close();
  }

  if (o.rateLimited > 0) {
    into.rateLimit = await underRateLimit(timed, { today: fresh(), gated: fresh({ retryAfterGate: true }) }, service, o);
  }
}

/** The two ways to drive one cancellation below the engine: a fresh implementation, and the plugin. */
function drivers(service: StartAnswer, host: PluginHost): { fresh: (client?: Partial<QueryServiceClientOptions>) => Fresh; viaPlugin: Drive } {
  const connection = { endpoint: service.url, configFile: service.configFile, profile: service.profile };
  // A fresh implementation each time (its own clients: no connection or credentials carried
  // over), with no progress lines (they would flood the terminal), driven as the plugin drives it.
  const fresh =
    (client: Partial<QueryServiceClientOptions> = {}): Fresh =>
    () => {
      const implementation = createImplementation({ log: () => undefined, client });
      const drive: Drive = async ({ projectId, id }) => {
        const checked = await implementation.check({}, { projectId, queryExecutionId: id, ...connection });
        if (checked.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
        const created = await implementation.create(checked.inputs);
        if (created.outs.outcome !== "CANCEL_REQUESTED") throw new Error(`create recorded ${String(created.outs.outcome)}`);
      };
      return { drive, close: () => implementation.close() };
    };
  const providerText = PROVIDER_MODULE; // what QueryExecutionCancellation stores
  const viaPlugin: Drive = async ({ projectId, id }) => {
    const { plugin } = await host.acquire();
    const urn = `urn:pulumi:bench::bench::pulumi-nodejs:dynamic:Resource::${id}`;
    const checked = await plugin.check(urn, {}, { projectId, queryExecutionId: id, ...connection, __provider: providerText });
    if (checked.failures.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
    const created = await plugin.create(urn, checked.inputs);
    if (created.properties.outcome !== "CANCEL_REQUESTED") throw new Error(`create recorded ${String(created.properties.outcome)}`);
  };
  return { fresh, viaPlugin };
}

/** `n` cancellations driven `o.concurrency` at a time on a freshly seeded emulator, timed, with the service's counts. */
function timedRuns(emulator: EmulatorProcess, o: Options): Timed {
  return async (path, n, drive, withIdeal, limit) => {
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
    const run: DirectRun = { path, cancellations: n, wallMs, failures, ...counts(s) };
    if (withIdeal) {
      run.idealMs = Math.ceil(n / o.concurrency) * 2 * o.latencyMs;
      run.ratioToIdeal = round(wallMs / run.idealMs, 3);
    }
    if (sampleError) run.sampleError = sampleError;
    log(`${path} x${n}: ${wallMs} ms${run.ratioToIdeal ? ` (${run.ratioToIdeal}x ideal)` : ""}, ${run.requests} requests, ${failures} failures`);
    return run;
  };
}

/** The results file's content: the machine, the settings, every figure, and the goals judged on them. */
function assembleResults(
  o: Options,
  m: Measured & { started: number; loadAverageStart: number[]; trampolines: BenchResults["trampolines"]; pluginStart: PluginStart | undefined },
): BenchResults {
  const largest = m.direct.filter((run) => run.path === "implementation").at(-1);
  const partial: Omit<BenchResults, "goals"> = {
    generatedAt: new Date().toISOString(),
    command: ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" "),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "",
      node: process.version,
      platform: process.platform,
      loadAverageStart: m.loadAverageStart,
      loadAverageEnd: loadavg(),
    },
    settings: { latencyMs: o.latencyMs, concurrency: o.concurrency, rps: o.rps },
    trampolines: m.trampolines,
    ...(m.pluginStart ? { pluginStart: m.pluginStart } : {}),
    direct: m.direct,
    ...(largest
      ? {
          happyPath: {
            cancellations: largest.cancellations,
            requestsPerCancellation: round(largest.requests / largest.cancellations, 3),
            postsPerCancellation: round(largest.posts / largest.cancellations, 3),
          },
        }
      : {}),
    ...(m.pluginMemory ? { pluginMemory: m.pluginMemory } : {}),
    ...(m.rateLimit ? { rateLimit: m.rateLimit } : {}),
    ...(m.engine ? { engine: m.engine } : {}),
    benchWallMs: since(m.started),
  };
  return { ...partial, goals: goals(partial) };
}

type Timed = (path: string, n: number, drive: Drive, withIdeal: boolean, limit?: RateLimitSpec) => Promise<DirectRun>;
/** Makes a fresh implementation to drive; close() ends its kept-alive connections. */
type Fresh = () => { drive: Drive; close: () => void };

/**
 * Our client, with today's retry rule and with the client-wide Retry-After gate, and two
 * oci-common baselines under the emulator's rate limit. Jitter decides who collides, so single
 * runs vary: ours (both rules) and the SDK-default baseline run `repeats` times, interleaved, and
 * the median stands for each.
 */
async function underRateLimit(
  timed: Timed,
  ours: { today: Fresh; gated: Fresh },
  service: StartAnswer,
  o: { rateLimited: number; rps: number; repeats: number; concurrency: number },
): Promise<RateLimitResults> {
  const limit = { requestsPerSecond: o.rps, retryAfterSeconds: 1 };
  const underLimit = (path: string, drive: Drive): Promise<DirectRun> => timed(path, o.rateLimited, drive, false, limit);
  const withFresh = async (path: string, fresh: Fresh): Promise<DirectRun> => {
    const { drive, close } = fresh();
    try {
      return await underLimit(path, drive);
    } finally {
      close();
    }
  };
  const names = { today: "ours, today's rule (per call)", gated: "ours, client-wide Retry-After gate", sdk: "oci-common, SDK default retry" };
  const warnings = { count: 0 };
  const runs = { today: [] as DirectRun[], gated: [] as DirectRun[], sdk: [] as DirectRun[] };
  for (let r = 0; r < o.repeats; r++) {
    log(`rate limit, repeat ${r + 1} of ${o.repeats}`);
    runs.today.push(await withFresh(names.today, ours.today));
    runs.gated.push(await withFresh(names.gated, ours.gated));
    runs.sdk.push(await quietly(warnings, () => underLimit(names.sdk, baseline(service, OciSdkDefaultRetryConfiguration))));
  }
  const singleAttempt = await quietly(warnings, () => underLimit("oci-common, new GenericRetrier({})", baseline(service, {})));
  const today = combine(names.today, runs.today);
  const gated = combine(names.gated, runs.gated);
  const sdkDefault = combine(names.sdk, runs.sdk);
  const floorMs = Math.round(((2 * o.rateLimited - o.rps) / o.rps) * 1000);
  return {
    cancellations: o.rateLimited,
    ...limit,
    concurrency: o.concurrency,
    repeats: o.repeats,
    ours: today,
    oursGated: gated,
    sdkDefault,
    singleAttempt,
    floorMs,
    oursToFloor: round(today.wallMs / floorMs, 3),
    gatedToFloor: round(gated.wallMs / floorMs, 3),
    speedupOverSdkDefault: round(sdkDefault.wallMs / today.wallMs, 2),
    baselineWarningsPrinted: warnings.count,
  };
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
    const got = await retrier.makeServiceCall(
      http,
      { method: "GET", uri, headers: new Headers({ accept: "application/json" }) },
      "QueryService",
      "GetQueryExecution",
      "",
    );
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
function combine(path: string, runs: DirectRun[]): DirectRun {
  const sorted = runs.slice().sort((a, b) => a.wallMs - b.wallMs);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  const sum = (k: "failures" | "duplicateEffectiveCancels" | "lost") => runs.reduce((n, r) => n + r[k], 0);
  return {
    ...mid,
    path,
    wallMsRuns: runs.map((r) => r.wallMs),
    failures: sum("failures"),
    duplicateEffectiveCancels: sum("duplicateEffectiveCancels"),
    lost: sum("lost"),
  };
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

const START = "<!-- bench:results:start (generated by npm run bench; edits here are overwritten) -->";
const END = "<!-- bench:results:end -->";

async function updateMarkdown(file: string, r: BenchResults): Promise<void> {
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
