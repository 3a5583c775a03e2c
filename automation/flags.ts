// The command line of `oci-query-cleanup`, checked completely before anything is sent: every
// problem is a UsageError whose message starts with the flag at fault.

import { parseArgs } from "node:util";
import type { AuthKind, KnownLifecycleState } from "../provider/client/types.js";
import type { ConnectionSettings } from "../provider/connection-settings.js";
import { normaliseInputs } from "../provider/inputs.js";
import { parseDuration } from "./duration.js";
import { ocidFormProblem } from "../provider/ocid.js";
import { DEFAULT_LOCK_WAIT_MS } from "./lock-wait.js";
import { parseShard, type Shard } from "./shard.js";
import { qualifiedStackName } from "./stack-name.js";

export const HELP = `Usage: oci-query-cleanup --project-id ID [filters] [connection] (--preview | --yes) [options]

Cancels every OCI Query Service query execution of a project that matches the filters, exactly
once, through a Pulumi stack per project (the Automation API with the \`pulumi\` CLI on PATH).

Selection:
  --project-id ID           Query Service project's OCID, ocid1.queryserviceproject.… (repeatable:
                            one stack per project)
  --name REGEX              Only executions whose name matches this regular expression
  --older-than-minutes N    Only executions created more than N minutes ago
  --state STATE             Only executions in this state: ACCEPTED, IN_PROGRESS, CANCELING, SUCCEEDED,
                            FAILED or CANCELED (repeatable; default ACCEPTED, IN_PROGRESS)
  --max N                   Cancel at most N new executions per project and run

Connection (as the resource's inputs; unset ones come from the environment, see the README):
  --endpoint URL            Query Service endpoint (https; http only to loopback)
  --region R                Region id or short code, when no endpoint is given
  --auth KIND               ApiKey (default), SecurityToken, InstancePrincipal, ResourcePrincipal,
                            OKEWorkloadIdentity (or api_key, security_token, ...)
  --config-file PATH        OCI config file (default ~/.oci/config)
  --profile NAME            Profile in the config file (default DEFAULT)

Record:
  --backend-url URL         Pulumi backend (default PULUMI_BACKEND_URL, else ~/.oci-query-cleanup);
                            secrets use PULUMI_CONFIG_PASSPHRASE unless the backend is Pulumi Cloud
  --stack NAME              Stack name, or ORG/NAME (default: derived from the project id);
                            only with a single --project-id
  --lock-wait DURATION      Wait up to DURATION (retrying with jitter) for a stack another run
                            has locked, then skip it (exit 1); 0: do not wait (default 2m)

Several runners:
  --shard I/N               Run only the projects of shard I of N (the sorted list dealt
                            round-robin): N runners with the same --project-id list and shards
                            1/N..N/N split the projects without a coordinator

Run:
  --preview                 Dry run (pulumi preview): list what would be cancelled, send no cancel
  --yes                     Apply: cancel the matches (pulumi up)
  --every DURATION          Run again every DURATION (e.g. 15m, 1h30m) until SIGINT or SIGTERM,
                            which finish the update in flight first
  --json                    One JSON object per project and run on stdout (JSON Lines); progress on stderr
  -h, --help                Show this help

Exit codes: 0 done (also nothing to do), 1 a cancellation or a project's run failed,
2 bad usage or configuration (nothing was sent).`;

/** A bad flag or combination: the message names it; nothing has been sent. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The connection flags, as check normalised them (`api_key` became `ApiKey`). */
export type ConnectionFlags = ConnectionSettings<AuthKind>;

export interface CleanupOptions {
  projectIds: string[];
  filter: { name?: RegExp; olderThanMinutes?: number; lifecycleStates?: string[]; maxResults?: number };
  connection: ConnectionFlags;
  backendUrl?: string;
  /** The stack to select for the single project, as the Automation API takes it. */
  stack?: string;
  preview: boolean;
  json: boolean;
  /** Run again on this interval; undefined: one run. */
  everyMs?: number;
  /** Total wait for a locked stack; 0: none. */
  lockWaitMs: number;
  /** Only this shard's projects; undefined: all. */
  shard?: Shard;
}

export type Command = { help: true } | { help: false; options: CleanupOptions };

const OPTIONS = {
  "project-id": { type: "string", multiple: true },
  name: { type: "string" },
  "older-than-minutes": { type: "string" },
  state: { type: "string", multiple: true },
  max: { type: "string" },
  endpoint: { type: "string" },
  region: { type: "string" },
  auth: { type: "string" },
  "config-file": { type: "string" },
  profile: { type: "string" },
  "backend-url": { type: "string" },
  stack: { type: "string" },
  preview: { type: "boolean" },
  yes: { type: "boolean" },
  every: { type: "string" },
  "lock-wait": { type: "string" },
  shard: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The resource input each connection flag becomes: the same rules, the same meaning. */
export const FLAG_OF_INPUT: Record<string, string> = {
  projectId: "--project-id",
  endpoint: "--endpoint",
  region: "--region",
  auth: "--auth",
  configFile: "--config-file",
  profile: "--profile",
};

export function parseFlags(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  } catch (e) {
    // parseArgs names the flag: "Unknown option '--nme'", "Option '--max <value>' argument missing".
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true };

  const projectIds = v["project-id"] ?? [];
  if (projectIds.length === 0) throw new UsageError("--project-id: required; give the OCID of a Query Service project (repeatable)");
  if (new Set(projectIds).size !== projectIds.length) throw new UsageError("--project-id: the same project is given twice");
  if (v.preview && v.yes) throw new UsageError("--preview and --yes: give one: --preview to see what would be cancelled, --yes to cancel it");
  if (!v.preview && !v.yes) throw new UsageError("--preview or --yes is needed: --preview lists what would be cancelled, --yes cancels it");

  const given = { endpoint: v.endpoint, region: v.region, auth: v.auth, configFile: v["config-file"], profile: v.profile };
  for (const [input, value] of Object.entries(given)) if (value !== undefined) nonEmpty(FLAG_OF_INPUT[input]!, value);
  const connection = checkAsInputs(projectIds, given);
  for (const projectId of projectIds) projectIdFlag(projectId);

  const options: CleanupOptions = {
    projectIds,
    filter: {},
    connection,
    preview: v.preview === true,
    json: v.json === true,
    lockWaitMs: DEFAULT_LOCK_WAIT_MS,
  };
  if (v.name !== undefined) options.filter.name = regexFlag(v.name);
  if (v["older-than-minutes"] !== undefined) options.filter.olderThanMinutes = minutesFlag(v["older-than-minutes"]);
  if (v.state !== undefined) options.filter.lifecycleStates = v.state.map(stateFlag);
  if (v.max !== undefined) options.filter.maxResults = countFlag("--max", v.max);
  if (v["backend-url"] !== undefined) options.backendUrl = nonEmpty("--backend-url", v["backend-url"]);
  if (v.stack !== undefined) {
    if (projectIds.length > 1)
      throw new UsageError("--stack: only with a single --project-id (each project keeps its own stack); leave it out to derive one per project");
    const stack = qualifiedStackName(v.stack);
    if (!stack)
      throw new UsageError(`--stack: a name of letters, digits, ".", "_" and "-" (at most 100), optionally ORG/NAME, expected; got ${JSON.stringify(v.stack)}`);
    options.stack = stack;
  }
  if (v.every !== undefined) {
    try {
      options.everyMs = parseDuration(v.every);
    } catch (e) {
      throw new UsageError(`--every: ${(e as Error).message}`);
    }
  }
  if (v["lock-wait"] !== undefined) options.lockWaitMs = lockWaitFlag(v["lock-wait"]);
  if (v.shard !== undefined) {
    try {
      options.shard = parseShard(v.shard);
    } catch (e) {
      throw new UsageError(`--shard: ${(e as Error).message}`);
    }
  }
  return { help: false, options };
}

/** A duration as for --every, or 0 for "do not wait". */
function lockWaitFlag(text: string): number {
  if (/^0+(ms|s|m|h)?$/.test(text.trim())) return 0;
  try {
    return parseDuration(text);
  } catch (e) {
    throw new UsageError(`--lock-wait: ${(e as Error).message}, or 0 not to wait`);
  }
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === "") throw new UsageError(`${flag}: a value expected; got an empty string`);
  return value;
}

/**
 * The resource's own rules (its check), so a flag is refused exactly when the input would be;
 * returns the connection as the inputs hold it (`api_key` becomes `ApiKey`).
 */
function checkAsInputs(projectIds: string[], given: Record<string, string | undefined>): ConnectionFlags {
  let inputs: ConnectionFlags = {};
  for (const projectId of projectIds) {
    const checked = normaliseInputs({ ...given, projectId, queryExecutionId: "placeholder" });
    const [first] = checked.failures;
    if (first) throw new UsageError(`${FLAG_OF_INPUT[first.property] ?? first.property}: ${first.reason}`);
    inputs = checked.inputs;
  }
  const { endpoint, region, auth, configFile, profile } = inputs;
  return { endpoint, region, auth, configFile, profile };
}

function regexFlag(text: string): RegExp {
  try {
    return new RegExp(text);
  } catch (e) {
    throw new UsageError(`--name: not a regular expression: ${(e as Error).message}`);
  }
}

function minutesFlag(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`--older-than-minutes: a number of minutes (0 or more) expected; got ${JSON.stringify(text)}`);
  return Number(text);
}

function countFlag(flag: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag}: a whole number of at least 1 expected; got ${JSON.stringify(text)}`);
  return Number(text);
}

/** An id that cannot be a project's would list nothing (and name a stack after itself) rather than fail. */
function projectIdFlag(text: string): void {
  const problem = ocidFormProblem(text, "queryserviceproject");
  if (!problem) return;
  throw new UsageError(
    `--project-id: ${JSON.stringify(text)} is ${problem}; a Query Service project's OCID looks like ` +
      `ocid1.queryserviceproject.oc1.iad.aaaa… (copy it from the project in the Console, or the "project id:" line the emulator prints)`,
  );
}

/**
 * The states a filter can name. The service's documentation shows no list, so DESIGN keeps the
 * states it *sends* an open set; a state typed here that is none of these is far likelier a typo
 * (RUNNING, CANCELLED) than one the service has, and would silently match nothing.
 */
const FILTER_STATES = ["ACCEPTED", "IN_PROGRESS", "CANCELING", "SUCCEEDED", "FAILED", "CANCELED"] as const satisfies readonly KnownLifecycleState[];
// Fails to compile when a known state is added to the client's type but not here.
const ALL_KNOWN: [Exclude<KnownLifecycleState, (typeof FILTER_STATES)[number]>] extends [never] ? true : never = true;
void ALL_KNOWN;
const MEANT: Record<string, string> = { RUNNING: "IN_PROGRESS", CANCELLED: "CANCELED", CANCELLING: "CANCELING" };

/** OCI states are upper case (`IN_PROGRESS`); `in_progress` means the same rather than matching nothing. */
function stateFlag(text: string): string {
  const state = text.toUpperCase();
  if ((FILTER_STATES as readonly string[]).includes(state)) return state;
  const meant = MEANT[state] ? ` (${MEANT[state]} is the Query Service's name for it)` : "";
  throw new UsageError(`--state: one of ${FILTER_STATES.join(", ")} expected (in any case); got ${JSON.stringify(text)}${meant}`);
}
