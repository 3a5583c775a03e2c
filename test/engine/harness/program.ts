// Program level: a whole Pulumi program run by the SDK's own language runtime (`@pulumi/pulumi/cmd/run`, what
// `pulumi-language-nodejs` starts), against an in-process ResourceMonitor and Engine that forward dynamic
// resources to ONE real dynamic-provider plugin per operation (started in the program's directory and
// configured once with the stack config), with recorded state between operations.
//
// Programs: run compiled JavaScript (our examples are compiled by tsc into dist/examples/…). The runtime's
// TypeScript mode (PULUMI_NODEJS_TYPESCRIPT=true, which the CLI sets by default; `typescript: true` here)
// registers ts-node: the project's own if installed, else the SDK's vendored ts-node 7.0.1, compiling with the
// project's `typescript` (5.9 here) or a vendored 3.8.3. Tried with SDK 3.270 on Node 24: a one-file .ts
// program with modern syntax (`satisfies`, `declare` fields) runs and is type-checked (a type error fails the
// run with TSError), at about +1 s per run; but relative imports written the nodenext way (`./lib.js` for
// lib.ts), which this repository requires, fail with "Cannot find module './lib.js'".
import * as fs from "node:fs";
import * as path from "node:path";
import { Deployment, destroy, refresh, type RunError, type StepOp, type StepRecord } from "./deployment.js";
import { engineService, startGrpcServer, pluginLineToLog, type GrpcServer, type LogEntry } from "./grpc-server.js";
import { monitorService } from "./monitor.js";
import { cleanEnvironment, startPlugin, type Plugin, type PluginCall } from "./plugin.js";
import { readLines, spawnGroup, type GroupProcess } from "./process-group.js";
import { Secret, toPlain } from "./properties.js";
import { passphraseSecrets, type PassphraseSecrets } from "./secrets.js";
import { DYNAMIC_PROVIDER_TYPE, decodeResource, encodeResource, type ResourceState, type StateFile, type StateResource } from "./state.js";
import type { JsonValue } from "./wire.js";

export interface CreateStackOptions {
  /** The program's directory: its working directory, root directory, and where the plugin runs. */
  dir: string;
  /** The entry, relative to `dir`: a compiled .js file or a directory (package.json `main`, or index.js). Default: `dir`. */
  program?: string;
  project: string;
  stack: string;
  /** Stack config. Keys without a namespace get the project's (`key` → `project:key`); non-strings are JSON-encoded. */
  config?: Record<string, unknown>;
  /** Config keys (either form) that are secret: the program sees them through PULUMI_CONFIG_SECRET_KEYS. */
  secretConfigKeys?: string[];
  /** Passphrase for the secrets in recorded state. Default "harness". */
  secretsPassphrase?: string;
  /** Extra environment for the program and the plugin; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** --parallel. Default 16. */
  parallel?: number;
  /** Sets PULUMI_NODEJS_TYPESCRIPT=true (the runtime then loads ts-node). Default false: run JavaScript. */
  typescript?: boolean;
  /** Default: the `node` running the harness. */
  nodePath?: string;
  /** Kill the program if an operation takes longer. Default 120000 ms. */
  timeoutMs?: number;
  /** After a failed step, how long the program may take to exit on its own before it is killed. Default 10000 ms. */
  exitGraceMs?: number;
  /** Called with each log entry as it arrives (for demos and soak scripts). */
  onLog?: (entry: LogEntry) => void;
  /** State to start from: a StateFile or the path of one written by saveState. */
  initialState?: StateFile | string;
}

export type OperationKind = "update" | "preview" | "refresh" | "destroy";

export interface RunResult {
  kind: OperationKind;
  /** No errors: every step succeeded and the program (if any) exited with 0. */
  ok: boolean;
  steps: StepRecord[];
  /** Steps that did not fail, counted by op (like the automation API's resourceChanges). */
  changes: Partial<Record<StepOp, number>>;
  errors: RunError[];
  /** Log RPCs from the program, plugin output, program output, in arrival order. */
  logs: LogEntry[];
  /** The stack's outputs after an update or preview. */
  outputs: Record<string, { value: JsonValue; secret: boolean }>;
  /** Every call made to the plugin, in order (empty when no dynamic resource was involved). */
  calls: PluginCall[];
  /** The program's stdout and stderr (update and preview only). */
  stdout: string;
  stderr: string;
  exitCode: number | null;
  /** Process ids the operation started (all gone when it returns): for asserting nothing outlives it. */
  pids: { program?: number; plugin?: number };
  durationMs: number;
}

export interface Stack {
  readonly project: string;
  readonly stack: string;
  readonly dir: string;
  /** The recorded state, secrets encrypted; a fresh copy on each read. */
  readonly state: StateResource[];
  /** Stack config as the program sees it: full keys, plain values. */
  readonly config: Readonly<Record<string, string>>;
  up(options?: { dryRun?: boolean }): Promise<RunResult>;
  /** up({ dryRun: true }): Check and Diff only; state is unchanged. */
  preview(): Promise<RunResult>;
  refresh(): Promise<RunResult>;
  destroy(): Promise<RunResult>;
  setConfig(key: string, value: unknown, options?: { secret?: boolean }): void;
  removeConfig(key: string): void;
  exportState(): StateFile;
  importState(state: StateFile): void;
  saveState(file: string): Promise<void>;
  loadState(file: string): Promise<void>;
  /** Kills whatever this stack is running (program, plugin) and waits for it; the stack can still be used. */
  stop(): Promise<void>;
}

const DEFAULT_PASSPHRASE = "harness";

function resolveFromProgram(dir: string, request: string): string {
  return require.resolve(request, { paths: [dir] });
}

export function createStack(options: CreateStackOptions): Stack {
  const dir = path.resolve(options.dir);
  const { project, stack: stackName } = options;
  const fullKey = (key: string) => (key.includes(":") ? key : `${project}:${key}`);
  const config: Record<string, string> = {};
  const secretKeys = new Set<string>();
  for (const [k, v] of Object.entries(options.config ?? {})) config[fullKey(k)] = typeof v === "string" ? v : JSON.stringify(v);
  for (const k of options.secretConfigKeys ?? []) secretKeys.add(fullKey(k));
  const passphrase = options.secretsPassphrase ?? DEFAULT_PASSPHRASE;
  let secrets: PassphraseSecrets = passphraseSecrets(passphrase);
  let resources: ResourceState[] = [];
  // Whatever the current operation has started: the program and the plugin.
  const active = new Set<() => Promise<void>>();
  let busy = false;

  const importState = (file: StateFile) => {
    if (file.version !== 1) throw new Error(`Unsupported state version ${String(file.version)}; expected 1`);
    const crypter = passphraseSecrets(passphrase, file.secrets.salt);
    resources = file.resources.map((r) => decodeResource(r, crypter));
    secrets = crypter;
  };
  const exportState = (): StateFile => ({
    version: 1,
    project,
    stack: stackName,
    secrets: { type: "passphrase", salt: secrets.salt },
    resources: resources.map((r) => encodeResource(r, secrets)),
  });
  if (typeof options.initialState === "string") importState(JSON.parse(fs.readFileSync(options.initialState, "utf8")) as StateFile);
  else if (options.initialState) importState(options.initialState);

  async function operation(kind: OperationKind): Promise<RunResult> {
    if (busy) throw new Error(`Stack ${stackName} is already running an operation; await it first`);
    busy = true;
    const started = Date.now();
    const logs: LogEntry[] = [];
    const log = (e: LogEntry) => {
      logs.push(e);
      options.onLog?.(e);
    };
    const servers: GrpcServer[] = [];
    let plugin: Plugin | undefined;
    let pluginStarting: Promise<Plugin> | undefined;
    const engineState = { onLog: (e: LogEntry) => log({ ...e, process: "program" as const }), rootUrn: "" };
    let engine: GrpcServer;
    try {
      engine = await startGrpcServer([engineService(engineState)]);
    } catch (e) {
      busy = false;
      throw e;
    }
    servers.push(engine);

    const result: RunResult = {
      kind,
      ok: false,
      steps: [],
      changes: {},
      errors: [],
      logs,
      outputs: {},
      calls: [],
      stdout: "",
      stderr: "",
      exitCode: null,
      pids: {},
      durationMs: 0,
    };

    const getPlugin = (): Promise<Plugin> => {
      pluginStarting ??= (async () => {
        const p = await startPlugin({
          cwd: dir,
          project,
          config,
          env: options.env,
          nodePath: options.nodePath,
          engineAddress: engine.address,
          onStdout: (line) => log({ ...pluginLineToLog(line, "stdout"), process: "plugin" }),
          onStderr: (line) => log({ ...pluginLineToLog(line, "stderr"), process: "plugin" }),
        });
        plugin = p;
        result.pids.plugin = p.pid;
        active.add(p.stop);
        // As the engine does on loading a provider: GetPluginInfo, then Configure with the stack config.
        await p.getPluginInfo();
        await p.configure(config);
        return p;
      })();
      return pluginStarting;
    };

    try {
      if (kind === "refresh" || kind === "destroy") {
        const out = kind === "refresh" ? await refresh(resources, getPlugin) : await destroy(resources, getPlugin);
        resources = out.state;
        result.steps = out.steps;
        result.errors = out.errors;
      } else {
        await runProgram(kind === "preview", result, log, getPlugin, servers, engineState);
      }
    } catch (e) {
      result.errors.push({ urn: "", kind: "engine", message: e instanceof Error ? e.message : String(e) });
    } finally {
      active.clear();
      result.calls = plugin ? [...plugin.calls] : [];
      await plugin?.stop();
      if (!plugin && pluginStarting) await pluginStarting.then((p) => p.stop(), () => undefined);
      await Promise.all(servers.map((s) => s.close()));
      busy = false;
    }
    for (const s of result.steps) if (s.status !== "failed") result.changes[s.op] = (result.changes[s.op] ?? 0) + 1;
    result.ok = result.errors.length === 0;
    result.durationMs = Date.now() - started;
    return result;
  }

  async function runProgram(
    dryRun: boolean,
    result: RunResult,
    log: (e: LogEntry) => void,
    getPlugin: () => Promise<Plugin>,
    servers: GrpcServer[],
    engineState: { rootUrn: string; onLog: (e: LogEntry) => void },
  ): Promise<void> {
    const deployment = new Deployment({ project, stack: stackName, dryRun, olds: resources, plugin: getPlugin });
    // The engine loads the providers recorded in state when a deployment starts, so the plugin comes up
    // while the program is still starting; a fresh stack loads it on the first dynamic registration.
    if (resources.some((r) => r.type === DYNAMIC_PROVIDER_TYPE)) getPlugin().catch(() => undefined);
    const parallel = options.parallel ?? 16;
    const monitor = await startGrpcServer([
      monitorService({
        project,
        stack: stackName,
        organization: "organization",
        dryRun,
        parallel,
        config,
        secretKeys: [...secretKeys],
        deployment,
      }),
    ]);
    servers.push(monitor);
    // Error logs from the program before a step failed are the program's own errors; later ones are its
    // reaction to the engine shutting down, which the CLI would not show.
    const programErrors: RunError[] = [];
    engineState.onLog = (e) => {
      log({ ...e, process: "program" });
      if (e.severity === "error" && !deployment.cancelled) programErrors.push({ urn: e.urn, kind: "program", message: e.message });
    };

    const entry = path.resolve(dir, options.program ?? ".");
    const args = [
      resolveFromProgram(dir, "@pulumi/pulumi/cmd/run/index.js"),
      "--monitor", monitor.address,
      "--engine", servers[0]!.address,
      "--organization", "organization",
      "--project", project,
      "--root-directory", dir,
      "--stack", stackName,
      "--pwd", dir,
      ...(dryRun ? ["--dry-run"] : []),
      "--parallel", String(parallel),
      entry,
    ];
    const env = cleanEnvironment({
      PULUMI_CONFIG: JSON.stringify(config),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify([...secretKeys]),
      ...(options.typescript ? { PULUMI_NODEJS_TYPESCRIPT: "true" } : {}),
      ...options.env,
    });
    const proc: GroupProcess = spawnGroup(options.nodePath ?? process.execPath, args, { cwd: dir, env });
    active.add(proc.kill);
    result.pids.program = proc.pid;
    readLines(proc.child.stdout!, (line) => {
      result.stdout += line + "\n";
      log({ severity: "info", message: line, urn: "", source: "stdout", process: "program" });
    });
    readLines(proc.child.stderr!, (line) => {
      result.stderr += line + "\n";
      log({ severity: "infoerr", message: line, urn: "", source: "stderr", process: "program" });
    });

    const timeoutMs = options.timeoutMs ?? 120000;
    const graceMs = options.exitGraceMs ?? 10000;
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      proc.closed.then((exit) => ({ exit })),
      new Promise<{ timeout: true }>((resolve) => (timer = setTimeout(() => resolve({ timeout: true }), timeoutMs))),
      // After a failed step the engine stops; give the program a moment to notice, then end it.
      new Promise<{ abandoned: true }>((resolve) => {
        poll = setInterval(() => {
          if (!deployment.cancelled) return;
          clearInterval(poll);
          void deployment.idle().then(() => setTimeout(() => resolve({ abandoned: true }), graceMs).unref());
        }, 50);
      }),
    ]);
    clearTimeout(timer);
    clearInterval(poll);
    await proc.kill();
    const exit = await proc.closed;
    result.exitCode = "exit" in outcome ? exit.code : null;

    if ("timeout" in outcome) {
      deployment.errors.push({ urn: "", kind: "program", message: `The program did not finish within ${timeoutMs} ms and was killed` });
    }
    const programFailed = !("exit" in outcome) || exit.code !== 0 || programErrors.length > 0;
    if (programFailed && !deployment.cancelled && !("timeout" in outcome)) {
      if (programErrors.length) deployment.errors.push(...programErrors);
      else {
        deployment.errors.push({
          urn: "",
          kind: "program",
          message: `The program exited with code ${exit.code}${exit.signal ? ` (${exit.signal})` : ""}: ${result.stderr.trim().split("\n").slice(-5).join("\n")}`,
        });
      }
    }
    await deployment.finish(programFailed);
    result.steps = deployment.steps;
    result.errors = deployment.errors;
    for (const [k, v] of Object.entries(deployment.stackOutputs())) {
      result.outputs[k] = { value: toPlain(v), secret: v instanceof Secret };
    }
    if (!dryRun) resources = deployment.finalState();
  }

  return {
    project,
    stack: stackName,
    dir,
    get state() {
      return exportState().resources;
    },
    get config() {
      return { ...config };
    },
    up: (opts = {}) => operation(opts.dryRun ? "preview" : "update"),
    preview: () => operation("preview"),
    refresh: () => operation("refresh"),
    destroy: () => operation("destroy"),
    setConfig(key, value, opts = {}) {
      const k = fullKey(key);
      config[k] = typeof value === "string" ? value : JSON.stringify(value);
      if (opts.secret) secretKeys.add(k);
      else secretKeys.delete(k);
    },
    removeConfig(key) {
      delete config[fullKey(key)];
      secretKeys.delete(fullKey(key));
    },
    exportState,
    importState(file) {
      if (busy) throw new Error("Cannot import state while an operation runs");
      importState(file);
    },
    async saveState(file) {
      await fs.promises.writeFile(file, JSON.stringify(exportState(), null, 2) + "\n");
    },
    async loadState(file) {
      if (busy) throw new Error("Cannot load state while an operation runs");
      importState(JSON.parse(await fs.promises.readFile(file, "utf8")) as StateFile);
    },
    async stop() {
      await Promise.all([...active].map((kill) => kill()));
    },
  };
}
