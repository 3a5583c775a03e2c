// A loopback gRPC server and the engine's own service (Log, Get/SetRootResource) that plugins and programs
// call back into.
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb.js";
import * as enginerpc from "@pulumi/pulumi/proto/engine_grpc_pb.js";
import * as engineproto from "@pulumi/pulumi/proto/engine_pb.js";

/** The SDK raises gRPC's 4 MB default; do the same so large states and provider texts pass. */
export const GRPC_OPTIONS: grpc.ChannelOptions = {
  "grpc.max_receive_message_length": 400 * 1024 * 1024,
  "grpc.max_send_message_length": 400 * 1024 * 1024,
};

/** Pulumi's diagnostic severities; `infoerr` is plugin stderr shown as information. */
export type LogSeverity = "debug" | "info" | "infoerr" | "warning" | "error";

export interface LogEntry {
  severity: LogSeverity;
  message: string;
  /** The resource the message is about, or "". */
  urn: string;
  /** `engine`: a Log RPC; `stdout`/`stderr`: a line a plugin printed (the engine passes these through). */
  source: "engine" | "stdout" | "stderr";
  /** In program-level runs: which process the entry came from. */
  process?: "program" | "plugin";
  ephemeral?: boolean;
}

export interface GrpcServer {
  /** host:port on 127.0.0.1. */
  readonly address: string;
  close(): Promise<void>;
}

export async function startGrpcServer(
  services: Array<[grpc.ServiceDefinition, grpc.UntypedServiceImplementation]>,
): Promise<GrpcServer> {
  const server = new grpc.Server(GRPC_OPTIONS);
  for (const [definition, implementation] of services) server.addService(definition, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  let closing: Promise<void> | undefined;
  return {
    address: `127.0.0.1:${port}`,
    close: () => {
      // Nothing the harness serves is worth waiting for once it stops: cut open calls.
      closing ??= new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      });
      return closing;
    },
  };
}

const severities: Record<number, LogSeverity> = {
  [engineproto.LogSeverity.DEBUG]: "debug",
  [engineproto.LogSeverity.INFO]: "info",
  [engineproto.LogSeverity.WARNING]: "warning",
  [engineproto.LogSeverity.ERROR]: "error",
};

/** State the engine service keeps: what was logged and the root (stack) resource. */
export interface EngineState {
  onLog(entry: LogEntry): void;
  rootUrn: string;
}

export function engineService(state: EngineState): [grpc.ServiceDefinition, grpc.UntypedServiceImplementation] {
  const implementation: grpc.UntypedServiceImplementation = {
    log(call: grpc.ServerUnaryCall<engineproto.LogRequest, Empty>, callback: grpc.sendUnaryData<Empty>) {
      const req = call.request;
      state.onLog({
        severity: severities[req.getSeverity()] ?? "info",
        message: req.getMessage(),
        urn: req.getUrn(),
        source: "engine",
        ephemeral: req.getEphemeral() || undefined,
      });
      callback(null, new Empty());
    },
    getRootResource(
      _call: grpc.ServerUnaryCall<engineproto.GetRootResourceRequest, engineproto.GetRootResourceResponse>,
      callback: grpc.sendUnaryData<engineproto.GetRootResourceResponse>,
    ) {
      callback(null, new engineproto.GetRootResourceResponse().setUrn(state.rootUrn));
    },
    setRootResource(
      call: grpc.ServerUnaryCall<engineproto.SetRootResourceRequest, engineproto.SetRootResourceResponse>,
      callback: grpc.sendUnaryData<engineproto.SetRootResourceResponse>,
    ) {
      state.rootUrn = call.request.getUrn();
      callback(null, new engineproto.SetRootResourceResponse());
    },
    requirePulumiVersion(
      _call: grpc.ServerUnaryCall<engineproto.RequirePulumiVersionRequest, engineproto.RequirePulumiVersionResponse>,
      callback: grpc.sendUnaryData<engineproto.RequirePulumiVersionResponse>,
    ) {
      // There is no CLI version to compare with; the harness stands in for a current one.
      callback(null, new engineproto.RequirePulumiVersionResponse());
    },
    startDebugging(_call: grpc.ServerUnaryCall<unknown, Empty>, callback: grpc.sendUnaryData<Empty>) {
      callback({ code: grpc.status.UNIMPLEMENTED, details: "StartDebugging is not implemented by the test harness" });
    },
  };
  return [enginerpc.EngineService as unknown as grpc.ServiceDefinition, implementation];
}

/**
 * The dynamic-provider plugin is not connected to the engine (pulumi/pulumi#6065): `pulumi.log.info` in
 * provider code prints "info: [runtime] msg" to stdout and warn/error print to stderr, and the engine passes
 * plugin output through (pulumi/pulumi#18253). This turns one such line into a log entry.
 */
export function pluginLineToLog(line: string, source: "stdout" | "stderr"): LogEntry {
  const m = /^(info|warning|error|debug): \[runtime\] (.*)$/s.exec(line);
  if (m) {
    const severity = m[1] === "warning" ? "warning" : (m[1] as LogSeverity);
    return { severity, message: m[2]!, urn: "", source };
  }
  return { severity: source === "stdout" ? "info" : "infoerr", message: line, urn: "", source };
}
