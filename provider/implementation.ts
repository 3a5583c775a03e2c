// The dynamic provider's real methods. The serialized provider (provider.ts) only forwards to
// these, loaded by package name at call time, so refresh and destroy run the installed code.
// Knows no HTTP status codes: it speaks to the service through cancel.ts and the client.

import type * as dynamic from "@pulumi/pulumi/dynamic";
import { adoptExecution, cancelExecution, hasDrifted, observe, waitForTerminal, WaitTimeoutError, type CancelDeps } from "./cancel.js";
import { ConfigurationError } from "./client/errors.js";
import { describeRetry } from "./client/log.js";
import { QueryServiceClient } from "./client/query-service-client.js";
import type { QueryServiceClientOptions } from "./client/types.js";
import { connectionKey, readStackConfig, resolveConnection, type StackConfig } from "./connection.js";
import { containsUnknown, normaliseInputs, INPUT_KEYS, REPLACE_KEYS, UPDATE_KEYS, isUnknown, type CancellationInputs } from "./inputs.js";
import { inputsFromOutputs, recordFrom, same, toOutputs, type CancellationOutputs } from "./outputs.js";
import { EngineWatch, engineAddress } from "./engine-watch.js";
import { PACKAGE_NAME } from "./package-info.js";

/**
 * Inside the dynamic-provider plugin (and only there: tests that load this module start no
 * timer), a watch that ends the plugin once the engine that started it is gone.
 */
const engineWatch = /[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$/.test(process.argv[1] ?? "")
  ? new EngineWatch({ address: engineAddress(process.argv.slice(2)) })
  : undefined;

/** A wait's pause; a wait for the terminal state has no reader once the engine is gone, so it stops then. */
function pause(ms: number): Promise<void> {
  if (engineWatch) {
    return engineWatch.sleep(ms, () => new Error("the Pulumi engine that started this plugin is gone; the cancel stands, the wait stopped"));
  }
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function validInputs(raw: Record<string, unknown>, step: string): CancellationInputs {
  const { inputs, failures } = normaliseInputs(raw);
  if (failures.length > 0) {
    throw new Error(`${step}: invalid inputs: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
  }
  return inputs;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** An error that the engine records as "created, but failed to initialise": the cancel stands. */
function initFailure(message: string, id: string, outputs: CancellationOutputs): Error {
  return Object.assign(new Error(message), { id, properties: outputs, reasons: [message] });
}

/**
 * A connection failure as check reports it. The engine prints a failure's property as a resource
 * input with its value ("property configFile value {…} has a problem: …"), so only a setting that
 * is the resource's own input is reported against it; one from stack config, the environment or a
 * config file is reported against the resource as a whole, its message naming where it came from.
 */
function settingFailure(e: ConfigurationError, inputs: CancellationInputs): dynamic.CheckFailure {
  const input = e.setting as keyof CancellationInputs;
  if (INPUT_KEYS.has(e.setting) && inputs[input] !== undefined) {
    // The message often starts with the input's name already; the engine prints it before.
    return { property: e.setting, reason: e.message.startsWith(`${e.setting}: `) ? e.message.slice(e.setting.length + 2) : e.message };
  }
  return { property: "", reason: e.message };
}

/** What an implementation is built from; each default is what production uses. */
export interface ImplementationOptions {
  /** Client options laid over the resolved connection (tests shorten the backoff). @default none */
  client?: Partial<QueryServiceClientOptions>;
  /**
   * Where progress lines go (retries, waits, accepted cancels). @default stdout, which the
   * plugin shows to the user as info messages after its first line
   */
  log?: (line: string) => void;
  /** Wall-clock time in ms, for timeCancelRequested and the wait's deadline. @default Date.now */
  now?: () => number;
  /** How a wait between polls sleeps. @default a timer, cut short in the plugin once the engine is gone */
  sleep?: (ms: number) => Promise<void>;
}

/** The dynamic provider's methods, with the state they own. */
export interface Implementation extends Required<Omit<dynamic.ResourceProvider, "delete">> {
  /**
   * Import: the outputs of the cancellation of one execution, read from the service with no
   * cancel sent (cancel.ts, adoptExecution). The provider plugin's Read calls it for an import id.
   */
  adopt(projectId: string, queryExecutionId: string): Promise<CancellationOutputs>;
  /** Closes the kept-alive connections of every client this implementation made. */
  close(): void;
}

const CONNECTION_KEYS = ["endpoint", "region", "auth", "configFile", "profile"] as const;

/**
 * A fresh implementation: its own stack config (set by configure) and its own client per
 * distinct connection, so two instances, such as two tests, share nothing.
 */
export function createImplementation(options: ImplementationOptions = {}): Implementation {
  let stackConfig: StackConfig = {};
  const clients = new Map<string, QueryServiceClient>();
  const logLine = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));

  const clientFor = (inputs: CancellationInputs): QueryServiceClient => {
    const clientOptions: QueryServiceClientOptions = {
      ...resolveConnection(inputs, stackConfig, process.env),
      // A retry is a progress line: a dead endpoint must not mean a minute of silence.
      logger: (line) => {
        if (line.event === "retry") logLine(describeRetry(line));
      },
      ...options.client,
    };
    const key = connectionKey(clientOptions);
    let client = clients.get(key);
    if (!client) {
      client = new QueryServiceClient(clientOptions);
      clients.set(key, client);
    }
    return client;
  };

  const depsFor = (inputs: CancellationInputs): CancelDeps => ({
    service: clientFor(inputs),
    log: logLine,
    now: options.now ?? (() => Date.now()),
    sleep: options.sleep ?? pause,
  });

  /**
   * Preview runs create's connection rules: the client create would use is built (endpoint,
   * region, auth kind) and its credentials read from disk (config file, profile, key,
   * passphrase), with no request. Skipped while a connection input is still unknown.
   */
  const connectionFailure = async (inputs: CancellationInputs): Promise<dynamic.CheckFailure | undefined> => {
    if (CONNECTION_KEYS.some((key) => isUnknown(inputs[key]))) return undefined;
    try {
      await clientFor(inputs).checkCredentialsOffline();
      return undefined;
    } catch (e) {
      if (!(e instanceof ConfigurationError)) throw e;
      return settingFailure(e, inputs);
    }
  };

  const close = () => {
    for (const client of clients.values()) client.close();
    clients.clear();
  };

  return {
    close,

    async configure(req: dynamic.ConfigureRequest): Promise<void> {
      close();
      stackConfig = readStackConfig((key) => req.config.get(key));
    },

    async check(_olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.CheckResult> {
      const { inputs, failures } = normaliseInputs(news);
      if (failures.length > 0) return { inputs: news, failures };
      const connection = await connectionFailure(inputs);
      if (connection) return { inputs: news, failures: [connection] };
      return { inputs };
    },

    async diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.DiffResult> {
      const replaces: string[] = [];
      for (const key of REPLACE_KEYS) {
        if (key === "retryToken") {
          // The old output is the token used; a new explicit token asks for a new cancel.
          if (news.retryToken !== undefined && !same(olds.retryToken, news.retryToken)) replaces.push(key);
          continue;
        }
        if (containsUnknown(news[key]) || !same(olds[key], news[key])) replaces.push(key);
      }
      if (replaces.length === 0 && hasDrifted(recordFrom(olds))) replaces.push("lifecycleState");
      const updates = UPDATE_KEYS.filter((key) => isUnknown(news[key]) || !same(olds[key], news[key]));
      return {
        changes: replaces.length > 0 || updates.length > 0,
        replaces,
        deleteBeforeReplace: false,
      };
    },

    async create(news: Record<string, unknown>): Promise<dynamic.CreateResult> {
      const inputs = validInputs(news, "create");
      const deps = depsFor(inputs);
      let record = await cancelExecution(deps, inputs);
      const id = `${inputs.queryExecutionId}:${record.retryToken}`;
      if (inputs.waitForTerminalState && record.outcome === "CANCEL_REQUESTED") {
        try {
          record = await waitForTerminal(deps, inputs, record);
        } catch (e) {
          if (e instanceof WaitTimeoutError) throw initFailure(e.message, id, toOutputs(inputs, e.record));
          throw initFailure(`The cancel was accepted, but waiting for a terminal state failed: ${describeError(e)}`, id, toOutputs(inputs, record));
        }
      }
      return { id, outs: toOutputs(inputs, record) };
    },

    async read(id: string, props: Record<string, unknown> = {}): Promise<dynamic.ReadResult> {
      const inputs = inputsFromOutputs(props);
      const record = recordFrom(props); // a damaged state is said before any request
      const seen = await observe(depsFor(inputs), inputs);
      return { id, props: { ...toOutputs(inputs, record), ...seen } };
    },

    async adopt(projectId: string, queryExecutionId: string): Promise<CancellationOutputs> {
      const inputs = validInputs({ projectId, queryExecutionId }, "import");
      return toOutputs(inputs, await adoptExecution(depsFor(inputs), inputs));
    },

    async update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<dynamic.UpdateResult> {
      // A cancel cannot be re-done in place: only the wait and connection settings change.
      const inputs = validInputs(news, "update");
      return { outs: toOutputs(inputs, recordFrom(olds)) };
    },
  };
}

const PROVIDER_METHODS = ["configure", "check", "create", "read", "diff", "update"] as const;

/** The same methods, each call tracked by the engine watch so that none is cut short when it ends the plugin. */
function tracked(inner: Implementation, watch: EngineWatch): Implementation {
  const outer = { ...inner };
  for (const method of PROVIDER_METHODS) {
    const call = inner[method] as (...args: unknown[]) => Promise<unknown>;
    outer[method] = ((...args: unknown[]) => watch.track(() => call(...args))) as never;
  }
  return outer;
}

/**
 * The instance the plugin calls: PROVIDER_MODULE's handler returns it (provider.ts), and the
 * serialized trampoline reaches it through routeCall.
 */
export const implementation: Implementation = engineWatch ? tracked(createImplementation(), engineWatch) : createImplementation();

/** What the handler of an older PROVIDER_MODULE text returns, for state that still holds that text. */
export { cancellationProvider } from "./provider.js";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isConfigureRequest = (v: unknown): v is dynamic.ConfigureRequest => isRecord(v) && isRecord(v.config) && typeof v.config.get === "function";

/**
 * @internal Routes a call of the trampoline (provider.ts) by the shapes the plugin really sends:
 * configure({ config }), check(olds, news), create(inputs), read(id, props), diff(id, olds, news),
 * and update (id, olds, news) with its name appended. Anything else is refused rather than
 * guessed at: create, the one call with a side effect, is never a fallback. Only the serialized
 * trampoline calls this: the state `new pulumi.dynamic.Resource(cancellationProvider, …)` writes.
 */
export async function routeCall(args: unknown[]): Promise<unknown> {
  const [first, second, third, name] = args;
  switch (args.length) {
    case 1:
      if (isConfigureRequest(first)) return implementation.configure(first);
      if (isRecord(first)) return implementation.create(first);
      break;
    case 2:
      if (typeof first === "string" && isRecord(second)) return implementation.read(first, second);
      if (isRecord(first) && isRecord(second)) return implementation.check(first, second);
      break;
    case 3:
      if (typeof first === "string" && isRecord(second) && isRecord(third)) return implementation.diff(first, second, third);
      break;
    case 4:
      if (name === "update" && typeof first === "string" && isRecord(second) && isRecord(third)) return implementation.update(first, second, third);
      break;
  }
  const shape = args.map((a) => (a === null ? "null" : Array.isArray(a) ? "array" : typeof a)).join(", ");
  throw new Error(`${PACKAGE_NAME}: unrecognised call (${args.length} arguments: ${shape}); the serialized provider and the installed package may not match.`);
}
