// Recorded state: the engine's checkpoint reduced to what these tests need, JSON-serialisable, with every
// secret encrypted.
import * as crypto from "node:crypto";
import {
  fromState,
  toState,
  type PropertyMap,
  type SecretsCrypter,
} from "./properties.js";
import type { JsonObject } from "./wire.js";

/** One resource as the harness keeps it in memory (secrets decrypted, marked by `Secret`). */
export interface ResourceState {
  urn: string;
  type: string;
  custom: boolean;
  /** "" for components and the stack. */
  id: string;
  inputs: PropertyMap;
  outputs: PropertyMap;
  /** "" for the stack. */
  parent: string;
  /** `<provider urn>::<provider id>` for custom resources. */
  provider: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  protect: boolean;
  retainOnDelete: boolean;
  /** The deletedWith option: no Delete call when this URN is deleted in the same operation. */
  deletedWith: string;
  /** Read with `get`, not managed: never deleted. */
  external: boolean;
  /** Replaced, and waiting to be deleted by a later successful update. */
  delete: boolean;
  /** Reasons the provider gave when the resource was created but failed to initialise. */
  initErrors: string[];
}

/** One resource as recorded: what `stack.state` returns and `saveState` writes. Secrets are ciphertext. */
export interface StateResource {
  urn: string;
  type: string;
  custom: boolean;
  id: string;
  inputs: JsonObject;
  outputs: JsonObject;
  parent: string;
  provider?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  protect?: true;
  retainOnDelete?: true;
  deletedWith?: string;
  external?: true;
  delete?: true;
  initErrors?: string[];
}

/** What `saveState` writes. */
export interface StateFile {
  version: 1;
  project: string;
  stack: string;
  /** The salt the passphrase key was derived with; the passphrase itself is never written. */
  secrets: { type: "passphrase"; salt: string };
  resources: StateResource[];
}

export function encodeResource(r: ResourceState, crypter: SecretsCrypter): StateResource {
  const out: StateResource = {
    urn: r.urn,
    type: r.type,
    custom: r.custom,
    id: r.id,
    inputs: toState(r.inputs, crypter) as JsonObject,
    outputs: toState(r.outputs, crypter) as JsonObject,
    parent: r.parent,
  };
  if (r.provider) out.provider = r.provider;
  if (r.dependencies.length) out.dependencies = [...r.dependencies];
  if (Object.keys(r.propertyDependencies).length) out.propertyDependencies = structuredClone(r.propertyDependencies);
  if (r.protect) out.protect = true;
  if (r.retainOnDelete) out.retainOnDelete = true;
  if (r.deletedWith) out.deletedWith = r.deletedWith;
  if (r.external) out.external = true;
  if (r.delete) out.delete = true;
  if (r.initErrors.length) out.initErrors = [...r.initErrors];
  return out;
}

export function decodeResource(r: StateResource, crypter: SecretsCrypter): ResourceState {
  return {
    urn: r.urn,
    type: r.type,
    custom: r.custom,
    id: r.id ?? "",
    inputs: fromState(r.inputs ?? {}, crypter) as PropertyMap,
    outputs: fromState(r.outputs ?? {}, crypter) as PropertyMap,
    parent: r.parent ?? "",
    provider: r.provider ?? "",
    dependencies: r.dependencies ?? [],
    propertyDependencies: r.propertyDependencies ?? {},
    protect: r.protect === true,
    retainOnDelete: r.retainOnDelete === true,
    deletedWith: r.deletedWith ?? "",
    external: r.external === true,
    delete: r.delete === true,
    initErrors: r.initErrors ?? [],
  };
}

export const DYNAMIC_PACKAGE = "pulumi-nodejs";
export const DYNAMIC_PROVIDER_TYPE = `pulumi:providers:${DYNAMIC_PACKAGE}`;

/** Dynamic resources: `pulumi-nodejs:dynamic:Resource`, or `pulumi-nodejs:dynamic/<module>:<type>`. */
export function isDynamicType(type: string): boolean {
  return type.startsWith(`${DYNAMIC_PACKAGE}:dynamic:`) || type.startsWith(`${DYNAMIC_PACKAGE}:dynamic/`);
}

/** The default provider the engine creates (and records) for the first dynamic resource of a stack. */
export function defaultProviderState(stack: string, project: string, existing?: ResourceState): ResourceState {
  return (
    existing ?? {
      urn: `urn:pulumi:${stack}::${project}::${DYNAMIC_PROVIDER_TYPE}::default`,
      type: DYNAMIC_PROVIDER_TYPE,
      custom: true,
      id: crypto.randomUUID(),
      inputs: {},
      outputs: {},
      parent: "",
      provider: "",
      dependencies: [],
      propertyDependencies: {},
      protect: false,
      retainOnDelete: false,
      deletedWith: "",
      external: false,
      delete: false,
      initErrors: [],
    }
  );
}
