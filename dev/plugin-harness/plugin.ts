// The SDK's real dynamic-provider plugin, spawned and called over gRPC as the Pulumi engine does (the
// engine runs it through the `pulumi-resource-pulumi-nodejs` shim, which only resolves
// `@pulumi/pulumi/cmd/dynamic-provider` from the program's directory and runs it with node).
//
// Every CRUD call carries the serialized provider in `__provider`; the plugin rebuilds and caches the
// provider per text, and runs its `configure` hook on first use with the config from Configure.
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Any } from "google-protobuf/google/protobuf/any_pb.js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb.js";
import type { Struct } from "google-protobuf/google/protobuf/struct_pb.js";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb.js";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb.js";
import * as provproto from "@pulumi/pulumi/proto/provider_pb.js";
import * as statusproto from "@pulumi/pulumi/proto/status_pb.js";
import { readLines, spawnGroup, type GroupProcess } from "./process-group.js";
import { fromStruct, toStruct, type JsonObject } from "./wire.js";

export interface StartPluginOptions {
  /** The program's directory. The plugin runs here, and `require()` in provider code resolves from here. */
  cwd: string;
  /** Sets PULUMI_NODEJS_PROJECT and PULUMI_PROJECT. Default "project". */
  project?: string;
  /** Stack config with full `namespace:key` names, passed as PULUMI_CONFIG (secrets in plain text, as the engine does). */
  config?: Record<string, string>;
  /** Extra environment; `undefined` removes a variable. The harness's own environment is inherited. */
  env?: Record<string, string | undefined>;
  /** The plugin's script, run with node. @default the SDK's dynamic-provider plugin, resolved from `cwd` */
  script?: string;
}

/** A line the plugin printed after its port line, as the engine would show it. */
export interface LogEntry {
  /** `infoerr` is plugin stderr the engine shows as information. */
  severity: "debug" | "info" | "infoerr" | "warning" | "error";
  message: string;
  /** Always "": the plugin's lines name no resource. */
  urn: string;
  source: "stdout" | "stderr";
}

export interface PluginInfo {
  version: string;
}

export interface ConfigureResult {
  acceptSecrets: boolean;
  acceptResources: boolean;
  supportsPreview: boolean;
  acceptOutputs: boolean;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult {
  /** The checked inputs; the plugin always puts the new `__provider` back in. */
  inputs: JsonObject;
  failures: CheckFailure[];
}

export type DiffChanges = "none" | "some" | "unknown";

export interface DiffResult {
  /** `unknown` when the provider has no `diff`: the engine then compares old and new inputs itself. */
  changes: DiffChanges;
  replaces: string[];
  stables: string[];
  deleteBeforeReplace: boolean;
  diffs: string[];
}

export interface CreateResult {
  id: string;
  properties: JsonObject;
}

export interface ReadResult {
  /** "" when the provider says the resource is gone. */
  id: string;
  properties: JsonObject;
  /** Only when the provider's read returned `inputs`. */
  inputs?: JsonObject;
}

export interface UpdateResult {
  properties: JsonObject;
}

/** One gRPC call the harness made, in order. */
export interface PluginCall {
  method: string;
  urn: string;
  /** The error message, when the call failed. */
  error?: string;
}

export interface Plugin {
  readonly pid: number;
  /** Everything printed to stdout, the port line included. */
  readonly stdout: string;
  readonly stderr: string;
  /** Each stdout line after the port line, and each stderr line. */
  readonly logs: LogEntry[];
  readonly calls: PluginCall[];
  getPluginInfo(): Promise<PluginInfo>;
  /** Stack config with full `namespace:key` names, sent as both `variables` and `args`. */
  configure(variables: Record<string, string>): Promise<ConfigureResult>;
  check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult>;
  /** `olds` are the old OUTPUTS, as the engine sends them. */
  diff(id: string, urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<DiffResult>;
  create(urn: string, props: Record<string, unknown>): Promise<CreateResult>;
  /** `props` are the old outputs, as on a refresh. */
  read(id: string, urn: string, props: Record<string, unknown>): Promise<ReadResult>;
  update(id: string, urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<UpdateResult>;
  delete(id: string, urn: string, props: Record<string, unknown>): Promise<void>;
  /** A provider function (Invoke): what it returned. */
  invoke(token: string, args: Record<string, unknown>): Promise<JsonObject>;
  /** Kills the plugin's whole process group and closes the clients and servers. Idempotent. */
  stop(): Promise<void>;
}

/** What the provider reported when a resource was created (or updated) but failed to initialise. */
export interface InitFailure {
  id: string;
  properties: JsonObject;
  reasons: string[];
}

/**
 * A failed plugin call. `message` is the provider's own message, unchanged (the dynamic plugin sends a thrown
 * error's `message` with gRPC code 2 UNKNOWN). When the provider's error carried an `id`, the plugin reports
 * "created but failed to initialise" and `initFailure` holds the id and properties the engine would record.
 */
export class PluginError extends Error {
  override readonly name = "PluginError";
  readonly method: string;
  readonly code: number;
  readonly codeName: string;
  readonly initFailure?: InitFailure;

  constructor(details: { method: string; code: number; message: string; initFailure?: InitFailure }) {
    super(details.message);
    this.method = details.method;
    this.code = details.code;
    this.codeName = grpc.status[details.code] ?? String(details.code);
    if (details.initFailure) this.initFailure = details.initFailure;
  }
}

const PROVIDER_SCRIPT = "@pulumi/pulumi/cmd/dynamic-provider/index.js";
const START_TIMEOUT_MS = 30_000;
/** The SDK raises gRPC's 4 MB default; do the same so large provider texts pass. */
const GRPC_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": 400 * 1024 * 1024,
  "grpc.max_send_message_length": 400 * 1024 * 1024,
};
/**
 * The plugin insists on an engine address as its argument but never connects to it (SDK 3.270,
 * cmd/dynamic-provider main): `pulumi.log` in provider code prints to stdout instead
 * (pulumi/pulumi#6065). So no engine is served; this stands in for its address.
 */
const NO_ENGINE = "127.0.0.1:0";

/** Resolves the dynamic-provider script from `cwd`, as the shim's `require.resolve` does. */
function resolveDynamicProviderScript(cwd: string): string {
  return require.resolve(PROVIDER_SCRIPT, { paths: [cwd] });
}

/** Environment variables the engine's languages hosts and plugins are started with; inherited ones would leak in. */
function cleanEnvironment(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^PULUMI_(NODEJS_|CONFIG|PROJECT$|STACK$|ORGANIZATION$|DRY_RUN$)/.test(k)) continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export async function startPlugin(options: StartPluginOptions): Promise<Plugin> {
  const cwd = path.resolve(options.cwd);
  const project = options.project ?? "project";
  const logs: LogEntry[] = [];
  const env = cleanEnvironment({
    PULUMI_NODEJS_PROJECT: project,
    PULUMI_PROJECT: project,
    PULUMI_CONFIG: JSON.stringify(options.config ?? {}),
    ...options.env,
  });
  const proc: GroupProcess = spawnGroup(process.execPath, [options.script ?? resolveDynamicProviderScript(cwd), NO_ENGINE], { cwd, env });
  let stdout = "";
  let stderr = "";
  let port: ((p: string) => void) | undefined;
  const portLine = new Promise<string>((resolve) => (port = resolve));
  readLines(proc.child.stdout!, (line) => {
    stdout += line + "\n";
    if (port) {
      const resolve = port;
      port = undefined;
      resolve(line.trim());
      return;
    }
    logs.push(pluginLineToLog(line, "stdout"));
  });
  readLines(proc.child.stderr!, (line) => {
    stderr += line + "\n";
    logs.push(pluginLineToLog(line, "stderr"));
  });

  // Assigned once the plugin printed its port; `stop` may run before that.
  // eslint-disable-next-line prefer-const
  let client: provrpc.ResourceProviderClient | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      client?.close();
      await proc.kill();
    })();
    return stopping;
  };

  const timeoutMs = START_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    portLine.then((line) => ({ line })),
    proc.closed.then((exit) => ({ exit })),
    new Promise<{ timeout: true }>((resolve) => (timer = setTimeout(() => resolve({ timeout: true }), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!("line" in first) || !/^\d+$/.test(first.line)) {
    await stop();
    const why =
      "exit" in first
        ? `exited (code ${first.exit.code}, signal ${first.exit.signal})`
        : "timeout" in first
          ? `printed no port within ${timeoutMs} ms`
          : `printed ${JSON.stringify(first.line)} instead of its port`;
    throw new Error(`The dynamic-provider plugin in ${cwd} ${why}. stderr:\n${stderr}`);
  }
  const address = `127.0.0.1:${first.line}`;
  client = new provrpc.ResourceProviderClient(address, grpc.credentials.createInsecure(), GRPC_OPTIONS);
  const calls: PluginCall[] = [];
  let exitInfo: string | undefined;
  void proc.closed.then((e) => (exitInfo = `the plugin exited (code ${e.code}, signal ${e.signal})`));

  function unary<Req, Res>(method: string, urn: string, request: Req): Promise<Res> {
    const record: PluginCall = { method, urn };
    calls.push(record);
    return new Promise<Res>((resolve, reject) => {
      if (stopping) {
        record.error = `${method} called after the plugin was stopped`;
        reject(new PluginError({ method, code: grpc.status.UNAVAILABLE, message: record.error }));
        return;
      }
      const fn = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!;
      fn.call(client, request, (err: grpc.ServiceError | null, res: Res) => {
        if (err) {
          const error = decodeError(method, err, stopping ? "the plugin was stopped" : exitInfo);
          record.error = error.message;
          reject(error);
        } else {
          resolve(res);
        }
      });
    });
  }

  return {
    pid: proc.pid,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    logs,
    calls,

    async getPluginInfo() {
      const res = await unary<Empty, plugproto.PluginInfo>("getPluginInfo", "", new Empty());
      return { version: res.getVersion() };
    },

    async configure(variables) {
      const req = new provproto.ConfigureRequest();
      const vars = req.getVariablesMap();
      for (const [k, v] of Object.entries(variables)) vars.set(k, v);
      req.setArgs(toStruct(variables, "configure args"));
      req.setAcceptsecrets(true);
      req.setAcceptresources(true);
      req.setSendsOldInputs(true);
      req.setSendsOldInputsToDelete(true);
      const res = await unary<provproto.ConfigureRequest, provproto.ConfigureResponse>("configure", "", req);
      return {
        acceptSecrets: res.getAcceptsecrets(),
        acceptResources: res.getAcceptresources(),
        supportsPreview: res.getSupportspreview(),
        acceptOutputs: res.getAcceptoutputs(),
      };
    },

    async check(urn, olds, news) {
      const req = new provproto.CheckRequest();
      setNameAndType(req, urn);
      req.setOlds(toStruct(olds, "olds"));
      req.setNews(toStruct(news, "news"));
      const res = await unary<provproto.CheckRequest, provproto.CheckResponse>("check", urn, req);
      return {
        inputs: fromStruct(res.getInputs()),
        failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },

    async diff(id, urn, olds, news) {
      const req = change(new provproto.DiffRequest(), id, urn, olds, news);
      const res = await unary<provproto.DiffRequest, provproto.DiffResponse>("diff", urn, req);
      const changes = res.getChanges();
      return {
        changes:
          changes === provproto.DiffResponse.DiffChanges.DIFF_SOME ? "some" : changes === provproto.DiffResponse.DiffChanges.DIFF_NONE ? "none" : "unknown",
        replaces: res.getReplacesList(),
        stables: res.getStablesList(),
        deleteBeforeReplace: res.getDeletebeforereplace(),
        diffs: res.getDiffsList(),
      };
    },

    async create(urn, props) {
      const req = new provproto.CreateRequest();
      setNameAndType(req, urn);
      req.setProperties(toStruct(props, "properties"));
      const res = await unary<provproto.CreateRequest, provproto.CreateResponse>("create", urn, req);
      return { id: res.getId(), properties: fromStruct(res.getProperties()) };
    },

    async read(id, urn, props) {
      const req = new provproto.ReadRequest();
      setNameAndType(req, urn);
      req.setId(id);
      req.setProperties(toStruct(props, "properties"));
      const res = await unary<provproto.ReadRequest, provproto.ReadResponse>("read", urn, req);
      const result: ReadResult = { id: res.getId(), properties: fromStruct(res.getProperties()) };
      if (res.hasInputs()) result.inputs = fromStruct(res.getInputs());
      return result;
    },

    async update(id, urn, olds, news) {
      const req = change(new provproto.UpdateRequest(), id, urn, olds, news);
      const res = await unary<provproto.UpdateRequest, provproto.UpdateResponse>("update", urn, req);
      return { properties: fromStruct(res.getProperties()) };
    },

    async delete(id, urn, props) {
      const req = new provproto.DeleteRequest();
      setNameAndType(req, urn);
      req.setId(id);
      req.setProperties(toStruct(props, "properties"));
      await unary<provproto.DeleteRequest, Empty>("delete", urn, req);
    },

    async invoke(token, args) {
      const req = new provproto.InvokeRequest().setTok(token).setArgs(toStruct(args, "args"));
      return fromStruct((await unary<provproto.InvokeRequest, provproto.InvokeResponse>("invoke", "", req)).getReturn());
    },

    stop,
  };
}

/**
 * The plugin's stdout and stderr as the engine shows them: `pulumi.log.info` in provider code prints
 * "info: [runtime] msg" to stdout, warn and error print to stderr, and the engine passes plugin
 * output through (pulumi/pulumi#18253).
 */
function pluginLineToLog(line: string, source: "stdout" | "stderr"): LogEntry {
  const m = /^(info|warning|error|debug): \[runtime\] (.*)$/s.exec(line);
  if (m) return { severity: m[1] as LogEntry["severity"], message: m[2]!, urn: "", source };
  return { severity: source === "stdout" ? "info" : "infoerr", message: line, urn: "", source };
}

/** Diff and Update: about resource `id`, from its old outputs to its new inputs. */
function change<T extends NamedRequest & { setId(v: string): unknown; setOlds(v: Struct): unknown; setNews(v: Struct): unknown }>(
  req: T,
  id: string,
  urn: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): T {
  setNameAndType(req, urn);
  req.setId(id);
  req.setOlds(toStruct(olds, "olds"));
  req.setNews(toStruct(news, "news"));
  return req;
}

type NamedRequest = { setName(v: string): unknown; setType(v: string): unknown; setUrn(v: string): unknown };

function setNameAndType(req: NamedRequest, urn: string): void {
  req.setUrn(urn);
  const parts = urn.split("::");
  if (parts.length >= 4) {
    const qualifiedType = parts[2]!;
    req.setType(qualifiedType.slice(qualifiedType.lastIndexOf("$") + 1));
    req.setName(parts.slice(3).join("::"));
  }
}

function decodeError(method: string, err: grpc.ServiceError, processNote: string | undefined): PluginError {
  let message = err.details ?? err.message;
  if (err.code === grpc.status.UNAVAILABLE && processNote) message = `${message} (${processNote})`;
  let initFailure: InitFailure | undefined;
  const raw = err.metadata?.get("grpc-status-details-bin")[0];
  if (raw !== undefined) {
    const status = statusproto.Status.deserializeBinary(typeof raw === "string" ? Buffer.from(raw, "base64") : raw);
    for (const detail of status.getDetailsList() as Any[]) {
      const init = detail.unpack(provproto.ErrorResourceInitFailed.deserializeBinary, "pulumirpc.ErrorResourceInitFailed");
      if (init) {
        initFailure = { id: init.getId(), properties: fromStruct(init.getProperties()), reasons: init.getReasonsList() };
      }
    }
  }
  return new PluginError({ method, code: err.code, message, initFailure });
}

/**
 * Serializes a provider exactly as `pulumi.dynamic.Resource` does for its `__provider` input:
 * `serializeFunction(() => provider, { allowSecrets: true })`, keeping the text. Captured secrets end up in
 * the text in plain form (the SDK then marks the whole property secret; this returns the text only).
 */
export async function serializeProvider(provider: object): Promise<string> {
  // Loaded on demand: the closure serializer pulls in much of the SDK and v8 inspector hooks.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sc = require("@pulumi/pulumi/runtime/closure/serializeClosure.js") as typeof import("@pulumi/pulumi/runtime/closure/serializeClosure.js");
  const serialized = await sc.serializeFunction(() => provider, { allowSecrets: true });
  return serialized.text;
}
