// How a failed call is answered over gRPC. A thrown error becomes UNKNOWN with its message; one
// that carries `id` (implementation.ts, initFailure: the cancel stands, the wait failed) also
// carries ErrorResourceInitFailed, so the engine records the resource as created.

import * as grpc from "@grpc/grpc-js";
import * as anyproto from "google-protobuf/google/protobuf/any_pb.js";
import * as structproto from "google-protobuf/google/protobuf/struct_pb.js";
import * as provproto from "@pulumi/pulumi/proto/provider_pb.js";
import * as statusproto from "@pulumi/pulumi/proto/status_pb.js";

export interface RpcError {
  code: grpc.status;
  details: string;
  metadata?: grpc.Metadata;
}

export const notImplemented = (what: string, why: string): RpcError => ({
  code: grpc.status.UNIMPLEMENTED,
  details: `${what} is not implemented by the ociqueryservice plugin: ${why}`,
});

export function rpcError(e: unknown): RpcError {
  const message = e instanceof Error ? e.message : String(e);
  const failed = e as { id?: unknown; properties?: Record<string, unknown>; reasons?: string[] };
  if (typeof failed?.id !== "string") return { code: grpc.status.UNKNOWN, details: message };
  const detail = new provproto.ErrorResourceInitFailed();
  detail.setId(failed.id);
  detail.setProperties(structproto.Struct.fromJavaScript((failed.properties ?? {}) as Record<string, structproto.JavaScriptValue>));
  detail.setReasonsList(failed.reasons ?? [message]);
  const any = new anyproto.Any();
  any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
  const status = new statusproto.Status();
  status.setCode(grpc.status.UNKNOWN);
  status.setMessage(message);
  status.addDetails(any);
  const metadata = new grpc.Metadata();
  metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
  return { code: grpc.status.UNKNOWN, details: message, metadata };
}

/** A JSON-safe value as a protobuf Struct (Dates become their ISO text). */
export function toStruct(value: object): structproto.Struct {
  return structproto.Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Record<string, structproto.JavaScriptValue>);
}

export function fromStruct(struct: structproto.Struct | undefined): Record<string, unknown> {
  return (struct?.toJavaScript() ?? {}) as Record<string, unknown>;
}
