// Plain JavaScript values <-> google.protobuf.Struct, as properties cross the provider protocol.
import { Struct } from "google-protobuf/google/protobuf/struct_pb.js";

/**
 * The string the engine sends in place of a value that is not known yet (preview only). Copied from
 * @pulumi/pulumi/runtime/rpc.js: it is part of the protocol, not of the SDK.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

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

function toJson(value: unknown, path: string): JsonValue {
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
