// The emulator's executions in one typed, resettable store: executions per project and the count
// of effective cancels (the retry-token memory is in retry-tokens.ts, the request log in
// request-log.ts). Lifecycle steps are
// computed lazily from the clock whenever an execution is read, so nothing runs on a timer.

import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "./clock.js";

/** The project used when none is given (seeded executions, the CLI). */
export const DEFAULT_PROJECT_ID = "ocid1.queryserviceproject.oc1.iad.emulator";

export const KNOWN_STATES = ["ACCEPTED", "IN_PROGRESS", "CANCELING", "SUCCEEDED", "FAILED", "CANCELED"] as const;
/** The known states plus any other string a test sets: unknown states count as active. */
export type ExecutionState = (typeof KNOWN_STATES)[number] | (string & {});
export const TERMINAL_STATES: readonly string[] = ["SUCCEEDED", "FAILED", "CANCELED"];

export function isTerminal(state: string): boolean {
  return TERMINAL_STATES.includes(state);
}

/** How long executions stay in each automatic step. `Infinity` means the step never ends by itself. */
export interface LifecycleTimings {
  /** ACCEPTED -> IN_PROGRESS. */
  acceptedMs: number;
  /** IN_PROGRESS -> SUCCEEDED, for executions made by CreateQueryExecution. */
  runningMs: number;
  /** CANCELING -> CANCELED. */
  cancelDelayMs: number;
}

/** An execution as the JS API shows it: the GET body plus its current etag. */
export interface ExecutionView {
  id: string;
  projectId: string;
  name: string;
  lifecycleState: ExecutionState;
  lifecycleDetails: string;
  /** RFC 3339. */
  timeCreated: string;
  /** RFC 3339. */
  timeUpdated: string;
  sqlText: string;
  etag: string;
}

export interface AddExecutionOptions {
  /** @default DEFAULT_PROJECT_ID */
  projectId?: string;
  /** @default a generated OCID-like id */
  id?: string;
  /** @default `query-<n>` */
  name?: string;
  /** @default "IN_PROGRESS" */
  lifecycleState?: ExecutionState;
  /** Epoch ms, a Date or an RFC 3339 string. @default the clock's now */
  timeCreated?: number | Date | string;
  /** How long it stays IN_PROGRESS before SUCCEEDED. @default Infinity (runs until cancelled) */
  runForMs?: number;
  /** @default "SELECT 1 FROM DUAL" */
  sqlText?: string;
}

/** The store as tests see it (`emu.store`). */
export interface EmulatorStore {
  /** Adds an execution directly, with no request and no log entry. */
  addExecution(options?: AddExecutionOptions): { projectId: string; id: string; etag: string };
  /** The execution now, or undefined when it does not exist. */
  get(projectId: string, id: string): ExecutionView | undefined;
  /** Forces a state (a new etag); automatic steps continue from it. Throws when unknown. */
  setState(projectId: string, id: string, state: ExecutionState): ExecutionView;
  /** Renames an execution (a new etag). Throws when unknown. */
  rename(projectId: string, id: string, name: string): ExecutionView;
  /** Deletes an execution for good; later requests get 404. True when it existed. */
  purge(projectId: string, id: string): boolean;
  /** Every execution of a project, oldest first. */
  list(projectId: string): ExecutionView[];
}

/** @internal The stored record behind an ExecutionView. */
export interface ExecutionRecord {
  projectId: string;
  id: string;
  name: string;
  sqlText: string;
  state: ExecutionState;
  /** When the current state began (epoch ms). */
  stateSince: number;
  timeCreated: number;
  timeUpdated: number;
  /** Bumped on every change; the etag is derived from id + version. */
  version: number;
  runForMs: number;
  resultsCleared: boolean;
}

const DETAILS: Record<string, string> = {
  ACCEPTED: "The query was accepted and waits to run.",
  IN_PROGRESS: "The query is running.",
  CANCELING: "A cancel was requested; the query is stopping.",
  CANCELED: "The query was canceled.",
  SUCCEEDED: "The query finished.",
  FAILED: "The query failed.",
};

export function etagOf(id: string, version: number): string {
  return createHash("sha256").update(`${id}\u0000${version}`).digest("hex").slice(0, 32);
}

function toMs(t: number | Date | string | undefined, fallback: number): number {
  if (t === undefined) return fallback;
  const ms = t instanceof Date ? t.getTime() : typeof t === "string" ? Date.parse(t) : t;
  if (!Number.isFinite(ms)) throw new TypeError(`Expected \`timeCreated\` to be a valid time; got ${String(t)}`);
  return ms;
}

function checkRunFor(ms: number): number {
  if (!(ms >= 0)) throw new TypeError(`Expected \`runForMs\` to be >= 0 or Infinity; got ${ms}`);
  return ms;
}

export class Store implements EmulatorStore {
  private readonly projects = new Map<string, Map<string, ExecutionRecord>>();
  private readonly cancels = new Map<string, number>();
  private cancelTotal = 0;
  private sequence = 0;

  constructor(
    private readonly clock: Clock,
    readonly timings: LifecycleTimings,
  ) {}

  /** Forgets everything: executions and cancel counts. */
  reset(): void {
    this.projects.clear();
    this.cancels.clear();
    this.cancelTotal = 0;
    this.sequence = 0;
  }

  // ---- executions --------------------------------------------------------------------------

  addExecution(options: AddExecutionOptions = {}): { projectId: string; id: string; etag: string } {
    const now = this.clock.now();
    const rec = this.insert({
      projectId: options.projectId ?? DEFAULT_PROJECT_ID,
      id: options.id,
      name: options.name,
      sqlText: options.sqlText,
      state: options.lifecycleState ?? "IN_PROGRESS",
      timeCreated: toMs(options.timeCreated, now),
      runForMs: checkRunFor(options.runForMs ?? Infinity),
    });
    return { projectId: rec.projectId, id: rec.id, etag: etagOf(rec.id, rec.version) };
  }

  get(projectId: string, id: string): ExecutionView | undefined {
    const rec = this.record(projectId, id);
    return rec && this.view(rec);
  }

  setState(projectId: string, id: string, state: ExecutionState): ExecutionView {
    const rec = this.mustRecord(projectId, id);
    this.changeState(rec, state, this.clock.now());
    return this.view(rec);
  }

  rename(projectId: string, id: string, name: string): ExecutionView {
    const rec = this.mustRecord(projectId, id);
    rec.name = name;
    this.touch(rec, this.clock.now());
    return this.view(rec);
  }

  purge(projectId: string, id: string): boolean {
    return this.projects.get(projectId)?.delete(id) ?? false;
  }

  list(projectId: string): ExecutionView[] {
    return this.records(projectId).map((r) => this.view(r));
  }

  /** @internal Creates an execution the way CreateQueryExecution does (ACCEPTED, default timings). */
  create(projectId: string, sqlText: string, name: string | undefined): ExecutionRecord {
    const now = this.clock.now();
    return this.insert({ projectId, name, sqlText, state: "ACCEPTED", timeCreated: now, runForMs: this.timings.runningMs });
  }

  /** @internal The settled record, or undefined. */
  record(projectId: string, id: string): ExecutionRecord | undefined {
    const rec = this.projects.get(projectId)?.get(id);
    if (rec) this.settle(rec, this.clock.now());
    return rec;
  }

  /** @internal Settled records of a project, oldest first. */
  records(projectId: string): ExecutionRecord[] {
    const now = this.clock.now();
    const recs = [...(this.projects.get(projectId)?.values() ?? [])];
    for (const r of recs) this.settle(r, now);
    return recs.sort((a, b) => a.timeCreated - b.timeCreated || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** @internal Finds an execution by id alone (admin routes). */
  findById(id: string): ExecutionRecord | undefined {
    for (const [projectId, execs] of this.projects) {
      if (execs.has(id)) return this.record(projectId, id);
    }
    return undefined;
  }

  /** @internal Every execution in every project. */
  count(): number {
    let n = 0;
    for (const execs of this.projects.values()) n += execs.size;
    return n;
  }

  /** @internal A state change: a new version (etag), timeUpdated and stateSince. */
  changeState(rec: ExecutionRecord, state: ExecutionState, at: number): void {
    rec.state = state;
    rec.stateSince = at;
    this.touch(rec, at);
  }

  /** @internal A change that is not a state change (rename): new version and timeUpdated. */
  touch(rec: ExecutionRecord, at: number): void {
    rec.version += 1;
    rec.timeUpdated = at;
  }

  /** @internal The clock's now. */
  now(): number {
    return this.clock.now();
  }

  etag(rec: ExecutionRecord): string {
    return etagOf(rec.id, rec.version);
  }

  view(rec: ExecutionRecord): ExecutionView {
    return { ...this.body(rec), etag: this.etag(rec) };
  }

  /** @internal The wire body of GetQueryExecution. */
  body(rec: ExecutionRecord): Omit<ExecutionView, "etag"> {
    return {
      id: rec.id,
      projectId: rec.projectId,
      name: rec.name,
      lifecycleState: rec.state,
      lifecycleDetails: DETAILS[rec.state] ?? "",
      timeCreated: new Date(rec.timeCreated).toISOString(),
      timeUpdated: new Date(rec.timeUpdated).toISOString(),
      sqlText: rec.sqlText,
    };
  }

  private insert(o: {
    projectId: string;
    id?: string | undefined;
    name?: string | undefined;
    sqlText?: string | undefined;
    state: ExecutionState;
    timeCreated: number;
    runForMs: number;
  }): ExecutionRecord {
    if (!o.projectId) throw new TypeError("Expected `projectId` to be a non-empty string");
    this.sequence += 1;
    const id = o.id ?? `ocid1.queryexecution.oc1.iad.${randomBytes(16).toString("hex")}`;
    let execs = this.projects.get(o.projectId);
    if (!execs) this.projects.set(o.projectId, (execs = new Map()));
    if (execs.has(id)) throw new Error(`An execution ${id} already exists in project ${o.projectId}`);
    const now = this.clock.now();
    const rec: ExecutionRecord = {
      projectId: o.projectId,
      id,
      name: o.name ?? `query-${this.sequence}`,
      sqlText: o.sqlText ?? "SELECT 1 FROM DUAL",
      state: o.state,
      stateSince: now,
      timeCreated: o.timeCreated,
      timeUpdated: Math.max(now, o.timeCreated),
      version: 1,
      runForMs: o.runForMs,
      resultsCleared: false,
    };
    execs.set(id, rec);
    return rec;
  }

  private mustRecord(projectId: string, id: string): ExecutionRecord {
    const rec = this.record(projectId, id);
    if (!rec) throw new Error(`No execution ${id} in project ${projectId}`);
    return rec;
  }

  /** Applies every automatic step that is due by `now`, each at the time it was due. */
  private settle(rec: ExecutionRecord, now: number): void {
    for (;;) {
      const next = this.nextStep(rec);
      if (!next || next.at > now) return;
      this.changeState(rec, next.state, next.at);
    }
  }

  private nextStep(rec: ExecutionRecord): { state: ExecutionState; at: number } | undefined {
    const after = (ms: number, state: ExecutionState) => (Number.isFinite(ms) ? { state, at: rec.stateSince + ms } : undefined);
    switch (rec.state) {
      case "ACCEPTED":
        return after(this.timings.acceptedMs, "IN_PROGRESS");
      case "IN_PROGRESS":
        return after(rec.runForMs, "SUCCEEDED");
      case "CANCELING":
        return after(this.timings.cancelDelayMs, "CANCELED");
      default:
        return undefined;
    }
  }

  // ---- effective cancels ------------------------------------------------------------------------

  /** @internal */
  countCancel(id: string): void {
    this.cancels.set(id, (this.cancels.get(id) ?? 0) + 1);
    this.cancelTotal += 1;
  }

  effectiveCancels(id: string): number {
    return this.cancels.get(id) ?? 0;
  }

  totalEffectiveCancels(): number {
    return this.cancelTotal;
  }
}
