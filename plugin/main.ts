#!/usr/bin/env node
// pulumi-resource-ociqueryservice: the provider plugin's process. The engine starts it with its own
// address as the first argument; the plugin prints the port it serves on as its first stdout line.

import * as grpc from "@grpc/grpc-js";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb.js";
import { closeEngine, connectEngine } from "./engine-log.js";
import { providerService } from "./service.js";

/** Messages as large as the engine's own limit (state of many resources can be big). */
const MAX_MESSAGE = 400 * 1024 * 1024;

export async function main(argv: readonly string[]): Promise<void> {
  connectEngine(argv.find((arg) => !arg.startsWith("-")));
  const server = new grpc.Server({ "grpc.max_receive_message_length": MAX_MESSAGE, "grpc.max_send_message_length": MAX_MESSAGE });
  const service = providerService();
  server.addService(provrpc.ResourceProviderService, service);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  process.stdout.write(`${port}\n`);
  const stop = () => {
    service.close();
    closeEngine();
    server.tryShutdown(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`pulumi-resource-ociqueryservice: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
