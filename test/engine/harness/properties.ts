// The engine's view of property values: plain JSON plus secrets, unknowns and resource references, and the
// conversions the engine makes at each boundary (from the SDK, to the provider, back to the SDK, to state).
import {
  ARCHIVE_SIG,
  ASSET_SIG,
  OUTPUT_VALUE_SIG,
  RESOURCE_REF_SIG,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN,
  type JsonObject,
  type JsonValue,
} from "./wire.js";

export class Secret {
  constructor(readonly value: PropertyValue) {}
}

/** A value that is not known yet: only during a preview. */
export class Unknown {
  static readonly instance = new Unknown();
  private constructor() {}
}

export class ResourceRef {
  constructor(
    readonly urn: string,
    /** Custom resources only; may be unknown during a preview. */
    readonly id: string | Unknown | undefined,
    readonly packageVersion: string,
  ) {}
}

export type PropertyValue =
  | null
  | boolean
  | number
  | string
  | Secret
  | Unknown
  | ResourceRef
  | PropertyValue[]
  | { [key: string]: PropertyValue };
export type PropertyMap = { [key: string]: PropertyValue };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isMap(v: PropertyValue): v is PropertyMap {
  return isObject(v) && !(v instanceof Secret) && !(v instanceof Unknown) && !(v instanceof ResourceRef);
}

function mapValues<T>(o: Record<string, T>, f: (v: T, k: string) => PropertyValue): PropertyMap {
  const out: PropertyMap = {};
  for (const [k, v] of Object.entries(o)) out[k] = f(v, k);
  return out;
}

/** Decodes what the SDK sent in a RegisterResource/RegisterResourceOutputs object. */
export function fromSdk(v: JsonValue): PropertyValue {
  if (v === UNKNOWN) return Unknown.instance;
  if (Array.isArray(v)) return v.map(fromSdk);
  if (isObject(v)) {
    const o = v as JsonObject;
    switch (o[SIG_KEY]) {
      case SECRET_SIG:
        return new Secret(fromSdk(o.value ?? null));
      case RESOURCE_REF_SIG:
        return new ResourceRef(
          String(o.urn),
          o.id === undefined ? undefined : o.id === "" || o.id === UNKNOWN ? Unknown.instance : String(o.id),
          typeof o.packageVersion === "string" ? o.packageVersion : "",
        );
      case OUTPUT_VALUE_SIG: {
        const inner = "value" in o ? fromSdk(o.value ?? null) : Unknown.instance;
        return o.secret === true ? new Secret(inner) : inner;
      }
      case ASSET_SIG:
      case ARCHIVE_SIG:
        return mapValues(o, (x) => x as PropertyValue); // opaque to the harness
      default:
        return mapValues(o, fromSdk);
    }
  }
  return v;
}

export function fromSdkMap(o: JsonObject): PropertyMap {
  return mapValues(o, fromSdk);
}

/** Encodes a value for the SDK, which accepts secrets and resource references. */
export function toSdk(v: PropertyValue): JsonValue {
  if (v instanceof Unknown) return UNKNOWN;
  if (v instanceof Secret) return { [SIG_KEY]: SECRET_SIG, value: toSdk(v.value) };
  if (v instanceof ResourceRef) {
    const ref: JsonObject = { [SIG_KEY]: RESOURCE_REF_SIG, urn: v.urn, packageVersion: v.packageVersion };
    if (v.id !== undefined) ref.id = v.id instanceof Unknown ? "" : v.id;
    return ref;
  }
  if (Array.isArray(v)) return v.map(toSdk);
  if (isMap(v)) return mapValues(v, toSdk) as JsonObject;
  return v;
}

export function toSdkMap(o: PropertyMap): JsonObject {
  return toSdk(o) as JsonObject;
}

/**
 * Encodes a value for the dynamic-provider plugin. Its Configure answers acceptSecrets=false and
 * acceptResources=false, so the engine sends secrets as their plain values and a resource reference as the
 * resource's id (custom) or URN (component); unknowns travel as the sentinel string.
 */
export function toProvider(v: PropertyValue): JsonValue {
  if (v instanceof Unknown) return UNKNOWN;
  if (v instanceof Secret) return toProvider(v.value);
  if (v instanceof ResourceRef) return v.id === undefined ? v.urn : v.id instanceof Unknown ? UNKNOWN : v.id;
  if (Array.isArray(v)) return v.map(toProvider);
  if (isMap(v)) return mapValues(v, toProvider) as JsonObject;
  return v;
}

export function toProviderMap(o: PropertyMap): JsonObject {
  return toProvider(o) as JsonObject;
}

/** Decodes what the plugin returned. The sentinel means "unknown" only where unknowns are allowed (preview). */
export function fromProvider(v: JsonValue, keepUnknowns: boolean): PropertyValue {
  if (v === UNKNOWN && keepUnknowns) return Unknown.instance;
  if (Array.isArray(v)) return v.map((x) => fromProvider(x, keepUnknowns));
  if (isObject(v)) return mapValues(v as JsonObject, (x) => fromProvider(x, keepUnknowns));
  return v;
}

export function fromProviderMap(o: JsonObject, keepUnknowns: boolean): PropertyMap {
  return fromProvider(o, keepUnknowns) as PropertyMap;
}

export function containsSecrets(v: PropertyValue): boolean {
  if (v instanceof Secret) return true;
  if (Array.isArray(v)) return v.some(containsSecrets);
  if (isMap(v)) return Object.values(v).some(containsSecrets);
  return false;
}

export function containsUnknowns(v: PropertyValue): boolean {
  if (v instanceof Unknown) return true;
  if (v instanceof Secret) return containsUnknowns(v.value);
  if (v instanceof ResourceRef) return v.id instanceof Unknown;
  if (Array.isArray(v)) return v.some(containsUnknowns);
  if (isMap(v)) return Object.values(v).some(containsUnknowns);
  return false;
}

function unwrapSecret(v: PropertyValue): PropertyValue {
  return v instanceof Secret ? unwrapSecret(v.value) : v;
}

/**
 * A provider that does not accept secrets returns plain outputs; the engine re-marks as secret every output
 * whose same-named input was secret (recursively through objects and arrays), as its `annotateSecrets` does.
 */
export function annotateSecrets(outputs: PropertyMap, inputs: PropertyMap): PropertyMap {
  const out: PropertyMap = { ...outputs };
  for (const [k, input] of Object.entries(inputs)) {
    if (!(k in out)) continue;
    out[k] = annotateValue(out[k]!, input);
  }
  return out;
}

function annotateValue(output: PropertyValue, input: PropertyValue): PropertyValue {
  if (input instanceof Secret) return output instanceof Secret ? output : new Secret(output);
  if (isMap(input) && isMap(output)) return annotateSecrets(output, input);
  if (Array.isArray(input) && Array.isArray(output)) {
    return output.map((o, i) => (i < input.length ? annotateValue(o, input[i]!) : o));
  }
  return output;
}

/** Marks the named top-level outputs secret (the additionalSecretOutputs resource option). */
export function markSecret(outputs: PropertyMap, keys: readonly string[]): PropertyMap {
  const out: PropertyMap = { ...outputs };
  for (const k of keys) if (k in out && !(out[k] instanceof Secret)) out[k] = new Secret(out[k]!);
  return out;
}

/** Deep equality that ignores secretness, as the engine's input diff does for deciding "changed". */
export function deepEqual(a: PropertyValue | undefined, b: PropertyValue | undefined): boolean {
  a = a === undefined ? undefined : unwrapSecret(a);
  b = b === undefined ? undefined : unwrapSecret(b);
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (a instanceof Unknown || b instanceof Unknown) return false;
  if (a instanceof ResourceRef || b instanceof ResourceRef) {
    return a instanceof ResourceRef && b instanceof ResourceRef && a.urn === b.urn && a.id === b.id;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isMap(a) && isMap(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** The top-level keys whose values differ. */
export function changedKeys(olds: PropertyMap, news: PropertyMap): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  return [...keys].filter((k) => !deepEqual(olds[k], news[k]));
}

export interface SecretsCrypter {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
}

/**
 * Encodes a value for the state file. Like the engine's checkpoint, a secret is stored as
 * `{"4dabf1…": "1b4706…", "ciphertext": "…"}`: the JSON of its plain value, encrypted.
 */
export function toState(v: PropertyValue, crypter: SecretsCrypter): JsonValue {
  if (v instanceof Secret) {
    return { [SIG_KEY]: SECRET_SIG, ciphertext: crypter.encrypt(JSON.stringify(toState(v.value, crypter))) };
  }
  if (v instanceof Unknown) return UNKNOWN; // never stored by an update; kept for completeness
  if (v instanceof ResourceRef) return toSdk(v);
  if (Array.isArray(v)) return v.map((x) => toState(x, crypter));
  if (isMap(v)) return mapValues(v, (x) => toState(x, crypter)) as JsonObject;
  return v;
}

export function fromState(v: JsonValue, crypter: SecretsCrypter): PropertyValue {
  if (isObject(v)) {
    const o = v as JsonObject;
    if (o[SIG_KEY] === SECRET_SIG) {
      const inner = typeof o.ciphertext === "string" ? (JSON.parse(crypter.decrypt(o.ciphertext)) as JsonValue) : (o.value ?? null);
      return new Secret(fromState(inner, crypter));
    }
    if (o[SIG_KEY] === RESOURCE_REF_SIG) return fromSdk(o);
    return mapValues(o, (x) => fromState(x, crypter));
  }
  if (Array.isArray(v)) return v.map((x) => fromState(x, crypter));
  return v;
}

/** A plain view of a value for people and assertions: secrets unwrapped, unknowns as the sentinel. */
export function toPlain(v: PropertyValue): JsonValue {
  return toProvider(v);
}
