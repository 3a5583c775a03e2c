// Plain JavaScript values <-> google.protobuf.Struct, and the magic strings the Pulumi wire format uses.
// The values here are copied from @pulumi/pulumi/runtime/rpc.js; they are part of the protocol, not of the SDK.
import { ListValue, Struct, Value } from "google-protobuf/google/protobuf/struct_pb.js";

/** The string the engine sends in place of a value that is not known yet (preview only). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The key whose value says which special object an object stands for. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";

/** A JSON value, as it crosses a Struct. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * Converts a plain object to a Struct with JSON's rules: `undefined` members are dropped, `undefined` array
 * elements become null. Anything JSON cannot carry (functions, bigint, symbols, Buffers, Dates, Maps, NaN)
 * is refused with the path of the offending property, before anything is sent.
 */
export function toStruct(value: Record<string, unknown>, what = "properties"): Struct {
  const checked = toJson(value, what);
  if (checked === null || typeof checked !== "object" || Array.isArray(checked)) {
    throw new TypeError(`${what}: expected a plain object; got ${describe(value)}`);
  }
  return Struct.fromJavaScript(checked as Record<string, JsonValue>);
}

/** Converts a Struct (or a missing one) to a plain object. */
export function fromStruct(struct: Struct | undefined): JsonObject {
  return struct ? (struct.toJavaScript() as JsonObject) : {};
}

export function toJson(value: unknown, path: string): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") {
    return value;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new TypeError(`${path}: ${value} cannot be sent in a Struct`);
    }
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((v, i) => (v === undefined ? null : toJson(v, `${path}[${i}]`)));
  }
  if (typeof value === "object" && isPlainObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) {
        out[k] = toJson(v, `${path}.${k}`);
      }
    }
    return out;
  }
  throw new TypeError(`${path}: ${describe(value)} cannot be sent in a Struct`);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "object" && value !== null) return `an instance of ${value.constructor?.name ?? "Object"}`;
  return `a ${typeof value}`;
}

export { ListValue, Struct, Value };
