// Progress lines attached to the resource a call is about: each RPC runs inside `withUrn`, and
// `logLine` sends to the engine's Log service with that URN, so the CLI prints the line under the
// resource, not under the stack. Without an engine (or before it answers) lines go to stderr.

import { AsyncLocalStorage } from "node:async_hooks";
import * as grpc from "@grpc/grpc-js";
import * as enginerpc from "@pulumi/pulumi/proto/engine_grpc_pb.js";
import * as engineproto from "@pulumi/pulumi/proto/engine_pb.js";

const current = new AsyncLocalStorage<string>();
let engine: enginerpc.EngineClient | undefined;

/** Connects to the engine whose address the plugin was started with (argv). */
export function connectEngine(address: string | undefined): void {
  if (address) engine = new enginerpc.EngineClient(address, grpc.credentials.createInsecure());
}

/** Runs `work` with `urn` as the resource its log lines are attached to. */
export function withUrn<T>(urn: string, work: () => T): T {
  return current.run(urn, work);
}

/** One info line, on the resource of the call that logs it. */
export function logLine(line: string): void {
  const urn = current.getStore() ?? "";
  if (!engine) {
    process.stderr.write(`${line}\n`);
    return;
  }
  const request = new engineproto.LogRequest();
  request.setSeverity(engineproto.LogSeverity.INFO);
  request.setMessage(line);
  request.setUrn(urn);
  engine.log(request, (error) => {
    if (error) process.stderr.write(`${line}\n`);
  });
}

export function closeEngine(): void {
  engine?.close();
}
