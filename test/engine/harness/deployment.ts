// The engine's step logic for one operation (update, preview, refresh, destroy) over dynamic resources.
//
// For each custom resource the program registers, the engine runs Check(old inputs, new inputs); if the
// resource is in state, Diff(id, old OUTPUTS, checked inputs) decides: no change (same), update, or replace
// (Check again against empty olds, create the replacement, delete the old one after the program finishes;
// the other way round with deleteBeforeReplace); otherwise Create. A preview runs Check and Diff only.
// Resources in state that the program no longer registers are deleted at the end, dependents first.
// A failed step fails the run: that resource keeps its old state (or, when it was created but failed to
// initialise, is recorded with the id and properties the provider returned), resources already in flight
// finish, no new step starts, and no deletions run.
import { PluginError, type Plugin } from "./plugin.js";
import {
  Unknown,
  annotateSecrets,
  changedKeys,
  deepEqual,
  fromProviderMap,
  markSecret,
  toProviderMap,
  type PropertyMap,
} from "./properties.js";
import { DYNAMIC_PROVIDER_TYPE, defaultProviderState, isDynamicType, type ResourceState } from "./state.js";
import { ROOT_STACK_TYPE, urnName } from "./urn.js";

export type StepOp = "create" | "update" | "replace" | "delete" | "same" | "read";

export interface StepRecord {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  op: StepOp;
  /** `planned` in a preview; `failed` when the provider call failed. */
  status: "succeeded" | "failed" | "planned";
  /** Replace steps: the properties that forced the replacement. */
  replaces?: string[];
  /** Replace steps: whether the old resource is deleted before its replacement is created. */
  deleteBeforeReplace?: boolean;
  /** Read steps of a refresh: what the provider's read found. */
  refresh?: "unchanged" | "changed" | "deleted";
  error?: string;
}

export interface RunError {
  /** The resource the error is about, or "" for the program or the run as a whole. */
  urn: string;
  /** `step`: a provider call failed; `check`: Check returned failures; `program`: the program failed; `engine`: the harness refused something. */
  kind: "step" | "check" | "program" | "engine";
  message: string;
  /** The failed provider call, for `step` errors. */
  pluginError?: PluginError;
  failures?: Array<{ property: string; reason: string }>;
}

/** A registration as the monitor decoded it. */
export interface Registration {
  type: string;
  name: string;
  urn: string;
  parent: string;
  custom: boolean;
  inputs: PropertyMap;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  protect: boolean;
  retainOnDelete: boolean;
  deletedWith: string;
  deleteBeforeReplace: boolean | undefined;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  additionalSecretOutputs: string[];
  aliases: string[];
  importId: string;
}

export interface RegistrationResult {
  urn: string;
  id: string;
  outputs: PropertyMap;
  failed: boolean;
}

/** Thrown back to the program as a gRPC error with this code. */
export class MonitorRefusal extends Error {
  constructor(
    readonly grpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

export interface DeploymentContext {
  project: string;
  stack: string;
  dryRun: boolean;
  /** The state before the operation, in order. */
  olds: ResourceState[];
  /** Started and configured on first use; shared by the whole operation. */
  plugin: () => Promise<Plugin>;
}

class StepFailure extends Error {
  constructor(readonly error: RunError) {
    super(error.message);
  }
}

const GRPC_UNAVAILABLE = 14;
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_UNIMPLEMENTED = 12;

export class Deployment {
  readonly steps: StepRecord[] = [];
  readonly errors: RunError[] = [];
  /** Set once a step failed: no new step starts. */
  cancelled = false;

  private readonly oldByUrn = new Map<string, ResourceState>();
  private readonly news: ResourceState[] = [];
  private readonly newByUrn = new Map<string, ResourceState>();
  private readonly registered = new Set<string>();
  private readonly seenOlds = new Set<string>();
  /** Olds replaced during this run (create-before-delete), deleted after the program finishes. */
  private readonly replaced: ResourceState[] = [];
  private inflight = 0;
  private idleWaiters: Array<() => void> = [];
  private provider: ResourceState | undefined;

  constructor(private readonly ctx: DeploymentContext) {
    for (const r of ctx.olds) if (!r.delete) this.oldByUrn.set(r.urn, r);
  }

  // ----- update / preview -------------------------------------------------------------------------------

  async register(reg: Registration): Promise<RegistrationResult> {
    if (this.cancelled) throw new MonitorRefusal(GRPC_UNAVAILABLE, "resource monitor shut down after a failed step");
    if (this.registered.has(reg.urn)) {
      throw new MonitorRefusal(GRPC_INVALID_ARGUMENT, `Duplicate resource URN '${reg.urn}'; try giving it a unique name`);
    }
    this.registered.add(reg.urn);
    const old = this.findOld(reg);
    if (old) this.seenOlds.add(old.urn);

    if (!reg.custom) return this.registerComponent(reg, old);
    if (!isDynamicType(reg.type)) {
      const message = `The test harness runs dynamic resources only (pulumi-nodejs:dynamic…); ${reg.urn} has type ${reg.type}`;
      this.errors.push({ urn: reg.urn, kind: "engine", message });
      this.cancelled = true;
      throw new MonitorRefusal(GRPC_UNIMPLEMENTED, message);
    }
    if (reg.importId) {
      const message = `The test harness does not implement import (resource ${reg.urn})`;
      this.errors.push({ urn: reg.urn, kind: "engine", message });
      this.cancelled = true;
      throw new MonitorRefusal(GRPC_UNIMPLEMENTED, message);
    }
    return this.track(() => this.registerCustom(reg, old));
  }

  /** RegisterResourceOutputs: a component's (or the stack's) outputs. */
  registerOutputs(urn: string, outputs: PropertyMap): void {
    const r = this.newByUrn.get(urn);
    if (r) r.outputs = outputs;
  }

  /** ReadResource (`get` of an existing resource): Read through the plugin, recorded as external. */
  async read(reg: Registration, id: string): Promise<RegistrationResult> {
    if (this.cancelled) throw new MonitorRefusal(GRPC_UNAVAILABLE, "resource monitor shut down after a failed step");
    if (!isDynamicType(reg.type)) {
      throw new MonitorRefusal(GRPC_UNIMPLEMENTED, `The test harness reads dynamic resources only; got ${reg.type}`);
    }
    this.registered.add(reg.urn);
    const old = this.oldByUrn.get(reg.urn);
    if (old) this.seenOlds.add(old.urn);
    return this.track(async () => {
      const plugin = await this.ctx.plugin();
      const provider = this.ensureProvider();
      try {
        const res = await plugin.read(id, reg.urn, toProviderMap(reg.inputs), {});
        if (!res.id) throw new PluginError({ method: "read", code: 2, message: `resource '${id}' does not exist` });
        const outputs = annotateSecrets(fromProviderMap(res.properties, this.ctx.dryRun), reg.inputs);
        const state = this.newState(reg, { id: res.id, inputs: {}, outputs, provider, external: true });
        this.addNew(state);
        this.step(reg, "read", this.ctx.dryRun ? "planned" : "succeeded");
        return { urn: reg.urn, id: res.id, outputs, failed: false };
      } catch (e) {
        return this.failStep(reg, "read", e, old);
      }
    });
  }

  private registerComponent(reg: Registration, old: ResourceState | undefined): RegistrationResult {
    const state = this.newState(reg, { id: "", inputs: reg.inputs, outputs: old?.outputs ?? {}, provider: "" });
    this.addNew(state);
    this.step(reg, old ? "same" : "create", this.ctx.dryRun ? "planned" : "succeeded");
    return { urn: reg.urn, id: "", outputs: {}, failed: false };
  }

  private async registerCustom(reg: Registration, old: ResourceState | undefined): Promise<RegistrationResult> {
    const { dryRun } = this.ctx;
    const planned = dryRun ? "planned" : "succeeded";
    let op: StepOp = old ? "same" : "create";
    try {
      const plugin = await this.ctx.plugin();
      const provider = this.ensureProvider();
      let news = reg.inputs;
      if (old && reg.ignoreChanges.length) news = applyIgnoreChanges(old.inputs, news, reg.ignoreChanges);
      let inputs = await this.check(plugin, reg, old ? old.inputs : {}, news);

      if (!old) {
        return await this.create(plugin, reg, inputs, provider);
      }

      const diff = await plugin.diff(old.id, reg.urn, toProviderMap(old.outputs), toProviderMap(inputs), {
        oldInputs: toProviderMap(old.inputs),
        ignoreChanges: reg.ignoreChanges,
      });
      let changes = diff.changes;
      const changed = diff.diffs.length ? diff.diffs : changedKeys(old.inputs, inputs);
      if (changes === "unknown") changes = changedKeys(old.inputs, inputs).length ? "some" : "none";
      const replaces = [...diff.replaces];
      if (changes === "some" && reg.replaceOnChanges.length) {
        for (const k of changed) {
          if ((reg.replaceOnChanges.includes("*") || reg.replaceOnChanges.includes(k)) && !replaces.includes(k)) replaces.push(k);
        }
      }
      // A resource recorded with initialisation errors is updated again even when nothing changed.
      if (changes === "none" && replaces.length === 0 && old.initErrors.length) changes = "some";

      if (changes === "none" && replaces.length === 0) {
        const state = this.newState(reg, { id: old.id, inputs, outputs: old.outputs, provider });
        this.addNew(state);
        this.step(reg, "same", planned);
        return { urn: reg.urn, id: old.id, outputs: old.outputs, failed: false };
      }

      if (replaces.length === 0) {
        op = "update";
        if (dryRun) {
          this.addNew(this.newState(reg, { id: old.id, inputs, outputs: inputs, provider }));
          this.step(reg, "update", "planned");
          return { urn: reg.urn, id: old.id, outputs: inputs, failed: false };
        }
        try {
          const res = await plugin.update(old.id, reg.urn, toProviderMap(old.outputs), toProviderMap(inputs), {
            oldInputs: toProviderMap(old.inputs),
          });
          const outputs = this.outputsFrom(res.properties, inputs, reg);
          this.addNew(this.newState(reg, { id: old.id, inputs, outputs, provider }));
          this.step(reg, "update", "succeeded");
          return { urn: reg.urn, id: old.id, outputs, failed: false };
        } catch (e) {
          const init = e instanceof PluginError ? e.initFailure : undefined;
          const kept = init
            ? this.newState(reg, { id: old.id, inputs, outputs: this.outputsFrom(init.properties, inputs, reg), provider, initErrors: init.reasons })
            : old;
          return this.failStep(reg, "update", e, kept);
        }
      }

      // Replace.
      op = "replace";
      if (old.protect) {
        throw new StepFailure({
          urn: reg.urn,
          kind: "step",
          message: `unable to replace resource "${reg.urn}" as it is currently marked for protection`,
        });
      }
      const deleteBeforeReplace = reg.deleteBeforeReplace ?? diff.deleteBeforeReplace;
      // The replacement is checked afresh, against no old inputs.
      inputs = await this.check(plugin, reg, {}, news);
      const details = { replaces, deleteBeforeReplace };
      if (dryRun) {
        this.addNew(this.newState(reg, { id: "", inputs, outputs: inputs, provider }));
        this.step(reg, "replace", "planned", details);
        return { urn: reg.urn, id: "", outputs: inputs, failed: false };
      }
      if (deleteBeforeReplace) {
        try {
          await this.deleteResource(plugin, old);
        } catch (e) {
          return this.failStep(reg, "replace", e, old, details);
        }
        // The old resource is gone: from here a failure leaves nothing in state.
        return await this.create(plugin, reg, inputs, provider, "replace", details, undefined);
      }
      return await this.create(plugin, reg, inputs, provider, "replace", details, old);
    } catch (e) {
      return this.failStep(reg, op, e, old);
    }
  }

  private async create(
    plugin: Plugin,
    reg: Registration,
    inputs: PropertyMap,
    provider: string,
    op: "create" | "replace" = "create",
    details: Partial<StepRecord> = {},
    replacing?: ResourceState,
  ): Promise<RegistrationResult> {
    if (this.ctx.dryRun) {
      this.addNew(this.newState(reg, { id: "", inputs, outputs: inputs, provider }));
      this.step(reg, op, "planned", details);
      return { urn: reg.urn, id: "", outputs: inputs, failed: false };
    }
    try {
      const res = await plugin.create(reg.urn, toProviderMap(inputs));
      if (!res.id) {
        throw new StepFailure({ urn: reg.urn, kind: "step", message: "provider did not return an ID from Create" });
      }
      const outputs = this.outputsFrom(res.properties, inputs, reg);
      this.addNew(this.newState(reg, { id: res.id, inputs, outputs, provider }));
      if (replacing) {
        replacing.delete = true;
        this.replaced.push(replacing);
      }
      this.step(reg, op, "succeeded", details);
      return { urn: reg.urn, id: res.id, outputs, failed: false };
    } catch (e) {
      const init = e instanceof PluginError ? e.initFailure : undefined;
      if (init) {
        // Created but failed to initialise: the engine records it, so the next update retries it.
        const outputs = this.outputsFrom(init.properties, inputs, reg);
        if (replacing) {
          replacing.delete = true;
          this.replaced.push(replacing);
        }
        return this.failStep(reg, op, e, this.newState(reg, { id: init.id, inputs, outputs, provider, initErrors: init.reasons }), details);
      }
      return this.failStep(reg, op, e, replacing, details);
    }
  }

  private async check(plugin: Plugin, reg: Registration, olds: PropertyMap, news: PropertyMap): Promise<PropertyMap> {
    const res = await plugin.check(reg.urn, toProviderMap(olds), toProviderMap(news));
    if (res.failures.length) {
      throw new StepFailure({
        urn: reg.urn,
        kind: "check",
        message: res.failures.map((f) => (f.property ? `${f.property}: ${f.reason}` : f.reason)).join("; "),
        failures: res.failures,
      });
    }
    return annotateSecrets(fromProviderMap(res.inputs, this.ctx.dryRun), news);
  }

  private outputsFrom(properties: Record<string, unknown>, inputs: PropertyMap, reg: Registration): PropertyMap {
    const outputs = annotateSecrets(fromProviderMap(properties as never, this.ctx.dryRun), inputs);
    return markSecret(outputs, reg.additionalSecretOutputs);
  }

  /** Records a failed step and fails the run; `kept` is what stays in state for this resource. */
  private failStep(
    reg: Pick<Registration, "urn" | "type" | "custom">,
    op: StepOp,
    e: unknown,
    kept: ResourceState | undefined,
    details: Partial<StepRecord> = {},
  ): RegistrationResult {
    const error: RunError =
      e instanceof StepFailure
        ? e.error
        : e instanceof PluginError
          ? { urn: reg.urn, kind: "step", message: e.message, pluginError: e }
          : { urn: reg.urn, kind: "engine", message: e instanceof Error ? e.message : String(e) };
    this.errors.push(error);
    this.cancelled = true;
    if (kept) this.addNew(kept);
    this.step(reg, op, "failed", { ...details, error: error.message });
    return { urn: reg.urn, id: kept?.id ?? "", outputs: kept?.outputs ?? {}, failed: true };
  }

  // ----- end of an update: deletions ----------------------------------------------------------------------

  /**
   * Called after the program exited. Deletes replaced resources and those the program no longer registers,
   * dependents first, unless the run failed (then they stay in state for the next update).
   */
  async finish(programFailed: boolean): Promise<void> {
    await this.idle();
    const pendingFromBefore = this.ctx.olds.filter((r) => r.delete);
    const unregistered = this.ctx.olds.filter((r) => !r.delete && !this.seenOlds.has(r.urn) && r.type !== DYNAMIC_PROVIDER_TYPE);
    if (programFailed || this.errors.length > 0) return;
    const doomed = new Set<ResourceState>([...pendingFromBefore, ...this.replaced, ...unregistered]);
    // Reverse state order: a resource is recorded after everything it depends on, children after parents.
    const order = [...this.ctx.olds].reverse().filter((r) => doomed.has(r));
    const doomedUrns = new Set(order.filter((r) => !this.replaced.includes(r)).map((r) => r.urn));
    let plugin: Plugin | undefined;
    for (const r of order) {
      const reg = registrationOf(r);
      if (this.ctx.dryRun) {
        this.step(reg, "delete", "planned");
        continue;
      }
      try {
        if (r.custom && !r.external) {
          if (r.protect) {
            throw new StepFailure({
              urn: r.urn,
              kind: "step",
              message: `unable to delete resource "${r.urn}" as it is currently marked for protection`,
            });
          }
          if (!(r.deletedWith && doomedUrns.has(r.deletedWith))) {
            plugin ??= await this.ctx.plugin();
            await this.deleteResource(plugin, r);
          }
        }
        this.dropped.add(r);
        // A replaced resource's deletion is part of its replace step, already reported.
        if (!this.replaced.includes(r)) this.step(reg, "delete", "succeeded");
      } catch (e) {
        this.failStep(reg, "delete", e, undefined);
        break;
      }
    }
  }

  private readonly dropped = new Set<ResourceState>();

  private async deleteResource(plugin: Plugin, r: ResourceState): Promise<void> {
    if (r.retainOnDelete) return;
    await plugin.delete(r.id, r.urn, toProviderMap(r.outputs), { oldInputs: toProviderMap(r.inputs) });
  }

  /** The state after the operation: what was registered, then untouched olds, then pending deletions. */
  finalState(): ResourceState[] {
    const out = [...this.news];
    const inNew = new Set(out.map((r) => r.urn));
    for (const r of this.ctx.olds) {
      if (this.dropped.has(r)) continue;
      if (r.delete || this.replaced.includes(r)) {
        out.push(r);
      } else if (!inNew.has(r.urn) && !this.seenOlds.has(r.urn)) {
        out.push(r);
      }
    }
    return dropUnusedProvider(out);
  }

  // ----- helpers ------------------------------------------------------------------------------------------

  private findOld(reg: Registration): ResourceState | undefined {
    const direct = this.oldByUrn.get(reg.urn);
    if (direct && !this.seenOlds.has(direct.urn)) return direct;
    for (const alias of reg.aliases) {
      const old = this.oldByUrn.get(alias);
      if (old && !this.seenOlds.has(old.urn) && !this.registered.has(alias)) return old;
    }
    return undefined;
  }

  private ensureProvider(): string {
    if (!this.provider) {
      const existing = this.ctx.olds.find((r) => r.type === DYNAMIC_PROVIDER_TYPE && !r.delete);
      this.provider = defaultProviderState(this.ctx.stack, this.ctx.project, existing);
      this.addNew(this.provider);
    }
    return `${this.provider.urn}::${this.provider.id}`;
  }

  private newState(
    reg: Registration,
    fields: Pick<ResourceState, "id" | "inputs" | "outputs" | "provider"> & Partial<ResourceState>,
  ): ResourceState {
    return {
      urn: reg.urn,
      type: reg.type,
      custom: reg.custom,
      parent: reg.parent,
      dependencies: reg.dependencies,
      propertyDependencies: reg.propertyDependencies,
      protect: reg.protect,
      retainOnDelete: reg.retainOnDelete,
      deletedWith: reg.deletedWith,
      external: false,
      delete: false,
      initErrors: [],
      ...fields,
    };
  }

  private addNew(r: ResourceState): void {
    const existing = this.newByUrn.get(r.urn);
    if (existing) this.news.splice(this.news.indexOf(existing), 1);
    this.news.push(r);
    this.newByUrn.set(r.urn, r);
  }

  private step(reg: Pick<Registration, "urn" | "type" | "custom">, op: StepOp, status: StepRecord["status"], extra: Partial<StepRecord> = {}): void {
    if (reg.type === DYNAMIC_PROVIDER_TYPE) return;
    this.steps.push({ urn: reg.urn, type: reg.type, name: urnName(reg.urn), custom: reg.custom, op, status, ...extra });
  }

  private async track<T>(f: () => Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await f();
    } finally {
      this.inflight--;
      if (this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /** Resolves when no step is running. */
  idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get stackUrn(): string {
    return this.news.find((r) => r.type === ROOT_STACK_TYPE)?.urn ?? "";
  }

  stackOutputs(): PropertyMap {
    return this.news.find((r) => r.type === ROOT_STACK_TYPE)?.outputs ?? {};
  }
}

// ----- refresh and destroy: no program runs ---------------------------------------------------------------

export interface StateOperationResult {
  state: ResourceState[];
  steps: StepRecord[];
  errors: RunError[];
}

/**
 * Refresh: Read(id, old outputs, old inputs) for each custom resource. No id back means the resource is
 * gone (it leaves state); otherwise the new outputs (and the inputs, when the provider returned some)
 * replace the old ones. A failed read fails the run and keeps the old state; no further read starts.
 */
export async function refresh(olds: ResourceState[], plugin: () => Promise<Plugin>): Promise<StateOperationResult> {
  const steps: StepRecord[] = [];
  const errors: RunError[] = [];
  const state: ResourceState[] = [];
  for (const old of olds) {
    if (!old.custom || old.type === DYNAMIC_PROVIDER_TYPE || errors.length) {
      state.push(old);
      continue;
    }
    const base = { urn: old.urn, type: old.type, name: urnName(old.urn), custom: true, op: "read" as const };
    try {
      const res = await (await plugin()).read(old.id, old.urn, toProviderMap(old.outputs), toProviderMap(old.inputs));
      if (!res.id) {
        steps.push({ ...base, status: "succeeded", refresh: "deleted" });
        continue;
      }
      const outputs = annotateSecrets(fromProviderMap(res.properties, false), old.outputs);
      const inputs = res.inputs ? annotateSecrets(fromProviderMap(res.inputs, false), old.inputs) : old.inputs;
      state.push({ ...old, id: res.id, outputs, inputs, initErrors: [] });
      const same = res.id === old.id && deepEqual(old.outputs, outputs) && deepEqual(old.inputs, inputs);
      steps.push({ ...base, status: "succeeded", refresh: same ? "unchanged" : "changed" });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      errors.push({ urn: old.urn, kind: "step", message, pluginError: e instanceof PluginError ? e : undefined });
      steps.push({ ...base, status: "failed", error: message });
      state.push(old);
    }
  }
  return { state: dropUnusedProvider(state), steps, errors };
}

/** Destroy: Delete each custom resource, dependents first; stops at the first failure (the rest stay). */
export async function destroy(olds: ResourceState[], plugin: () => Promise<Plugin>): Promise<StateOperationResult> {
  const steps: StepRecord[] = [];
  const errors: RunError[] = [];
  const remaining = new Set(olds);
  const urns = new Set(olds.map((r) => r.urn));
  for (const r of [...olds].reverse()) {
    if (r.type === DYNAMIC_PROVIDER_TYPE) continue;
    const base = { urn: r.urn, type: r.type, name: urnName(r.urn), custom: r.custom, op: "delete" as const };
    try {
      if (r.custom && !r.external) {
        if (r.protect) throw new Error(`unable to delete resource "${r.urn}" as it is currently marked for protection`);
        const goesWithAnother = r.deletedWith !== "" && urns.has(r.deletedWith);
        if (!r.retainOnDelete && !goesWithAnother) await (await plugin()).delete(r.id, r.urn, toProviderMap(r.outputs), { oldInputs: toProviderMap(r.inputs) });
      }
      remaining.delete(r);
      steps.push({ ...base, status: "succeeded" });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      errors.push({ urn: r.urn, kind: "step", message, pluginError: e instanceof PluginError ? e : undefined });
      steps.push({ ...base, status: "failed", error: message });
      break;
    }
  }
  return { state: dropUnusedProvider(olds.filter((r) => remaining.has(r))), steps, errors };
}

/** The default provider stays in state while any resource refers to it, as the engine's does. */
function dropUnusedProvider(state: ResourceState[]): ResourceState[] {
  const used = new Set(state.map((r) => r.provider.split("::").slice(0, -1).join("::")).filter(Boolean));
  return state.filter((r) => r.type !== DYNAMIC_PROVIDER_TYPE || used.has(r.urn));
}

function registrationOf(r: ResourceState): Pick<Registration, "urn" | "type" | "custom"> {
  return { urn: r.urn, type: r.type, custom: r.custom };
}

/** ignoreChanges on top-level properties: keep the old value (or its absence) for each named property. */
function applyIgnoreChanges(olds: PropertyMap, news: PropertyMap, ignore: string[]): PropertyMap {
  const out: PropertyMap = { ...news };
  for (const key of ignore) {
    if (key === "*") return { ...olds };
    if (key in olds) out[key] = olds[key]!;
    else delete out[key];
  }
  return out;
}

export { Unknown };
