// The ResourceProvider gRPC service of the ociqueryservice plugin. Each call converts the engine's
// message and calls provider/implementation.ts, which holds every rule: no second copy here.

import type * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb.js";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb.js";
import * as provproto from "@pulumi/pulumi/proto/provider_pb.js";
import type { IResourceProviderServer } from "@pulumi/pulumi/proto/provider_grpc_pb.js";
import { createImplementation } from "../provider/implementation.js";
import type { ListQueryExecutionsArgs } from "../provider/list.js";
import { PACKAGE_VERSION } from "../provider/package-info.js";
import type { StackConfig } from "../provider/connection.js";
import { changedConfig, checkConfig, stackConfigFrom } from "./config.js";
import { logLine, withUrn } from "./engine-log.js";
import { parseImportId } from "./import-id.js";
import { fromStruct, notImplemented, rpcError, toStruct, type RpcError } from "./rpc-errors.js";
import { CANCELLATION_TOKEN, CLEANUP_TOKEN, LIST_TOKEN, schemaText } from "./schema-json.js";

type Failure = { property: string; reason: string };

/** A unary handler from an async function: errors answered as rpcError says, log lines on the request's URN. */
function unary<Req, Res>(work: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const urn = (call.request as { getUrn?: () => string | undefined }).getUrn?.() ?? "";
    withUrn(urn, () => work(call.request)).then(
      (response) => callback(null, response),
      (e: unknown) => {
        const error = rpcError(e);
        callback(error, null, error.metadata);
      },
    );
  };
}

function failureList(failures: readonly Failure[]): provproto.CheckFailure[] {
  return failures.map((f) => new provproto.CheckFailure().setProperty(f.property).setReason(f.reason));
}

function expectType(urn: string | undefined, token: string): void {
  const type = urn?.split("::")[2]?.split("$").pop();
  if (type && type !== token)
    throw new Error(`The ociqueryservice plugin has no resource type ${type}; it has ${CANCELLATION_TOKEN} (and the component ${CLEANUP_TOKEN}).`);
}

/** The service, with its own implementation instance and configuration. */
export function providerService(): IResourceProviderServer & { close(): void } {
  const implementation = createImplementation({ log: logLine });
  let stack: StackConfig = {};
  const unimplemented =
    (what: string, why: string) =>
    (_call: unknown, callback: (error: RpcError, value: null) => void): void =>
      callback(notImplemented(what, why), null);

  return {
    close: () => implementation.close(),
    getPluginInfo: unary(async () => new plugproto.PluginInfo().setVersion(PACKAGE_VERSION)),
    getSchema: unary(async () => new provproto.GetSchemaResponse().setSchema(schemaText())),
    checkConfig: unary(async (req: provproto.CheckRequest) => {
      const news = fromStruct(req.getNews());
      return new provproto.CheckResponse().setInputs(req.getNews()).setFailuresList(failureList(checkConfig(news)));
    }),
    diffConfig: unary(async (req: provproto.DiffRequest) => {
      const changed = changedConfig(fromStruct(req.getOldInputs() ?? req.getOlds()), fromStruct(req.getNews()));
      const changes = changed.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE;
      return new provproto.DiffResponse().setChanges(changes).setDiffsList(changed);
    }),
    configure: unary(async (req: provproto.ConfigureRequest) => {
      const variables = new Map(req.getVariablesMap().entries() as Iterable<[string, string]>);
      stack = stackConfigFrom(variables, fromStruct(req.getArgs()));
      await implementation.configure({ config: { get: (key: string) => stack[key] } } as never);
      // Secrets arrive plain and the engine keeps them secret; the plugin never writes them anywhere.
      return new provproto.ConfigureResponse().setAcceptsecrets(false).setSupportspreview(false).setAcceptresources(false);
    }),
    check: unary(async (req: provproto.CheckRequest) => {
      expectType(req.getUrn(), CANCELLATION_TOKEN);
      const result = await implementation.check(fromStruct(req.getOlds()), fromStruct(req.getNews()));
      return new provproto.CheckResponse().setInputs(toStruct(result.inputs ?? {})).setFailuresList(failureList(result.failures ?? []));
    }),
    diff: unary(async (req: provproto.DiffRequest) => {
      const result = await implementation.diff(req.getId(), fromStruct(req.getOlds()), fromStruct(req.getNews()));
      const changes = result.changes ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE;
      return new provproto.DiffResponse()
        .setChanges(changes)
        .setReplacesList(result.replaces ?? [])
        .setDeletebeforereplace(false);
    }),
    create: unary(async (req: provproto.CreateRequest) => {
      const result = await implementation.create(fromStruct(req.getProperties()));
      return new provproto.CreateResponse().setId(result.id).setProperties(toStruct(result.outs));
    }),
    read: unary(async (req: provproto.ReadRequest) => {
      const props = fromStruct(req.getProperties());
      if (Object.keys(props).length === 0) {
        // `pulumi import` and `.get()`: only the id is known. Adopt what the service shows, send nothing.
        const { projectId, queryExecutionId } = parseImportId(req.getId());
        const outs = await implementation.adopt(projectId, queryExecutionId);
        return new provproto.ReadResponse().setId(req.getId()).setProperties(toStruct(outs)).setInputs(toStruct({ projectId, queryExecutionId }));
      }
      const result = await implementation.read(req.getId(), props);
      const response = new provproto.ReadResponse().setId(result.id ?? req.getId()).setProperties(toStruct(result.props ?? {}));
      return req.getInputs() ? response.setInputs(req.getInputs()) : response;
    }),
    update: unary(async (req: provproto.UpdateRequest) => {
      const result = await implementation.update(req.getId(), fromStruct(req.getOlds()), fromStruct(req.getNews()));
      return new provproto.UpdateResponse().setProperties(toStruct(result.outs ?? {}));
    }),
    // A cancel cannot be undone: deleting the resource only forgets it, with no request.
    delete: unary(async () => new emptyproto.Empty()),
    invoke: unary(async (req: provproto.InvokeRequest) => {
      if (req.getTok() !== LIST_TOKEN) throw new Error(`The ociqueryservice plugin has no function ${req.getTok()}; it has ${LIST_TOKEN}.`);
      const args = fromStruct(req.getArgs()) as unknown as ListQueryExecutionsArgs;
      // Loaded on first use: list.ts needs the whole Pulumi SDK (and TypeScript with it), which
      // would double the plugin's start time and memory for every run that lists nothing.
      const { listQueryExecutions } = await import("../provider/list.js");
      const items = await listQueryExecutions(args, stack);
      return new provproto.InvokeResponse().setReturn(toStruct({ items }));
    }),
    cancel: unary(async () => {
      implementation.close();
      return new emptyproto.Empty();
    }),
    construct: unimplemented("Construct", `${CLEANUP_TOKEN} is not served by the plugin yet; use ${LIST_TOKEN} and one QueryExecutionCancellation per match`),
    call: unimplemented("Call", "the resources have no methods"),
    handshake: unimplemented("Handshake", "the engine falls back to Configure"),
    parameterize: unimplemented("Parameterize", "the package takes no parameters"),
    attach: unimplemented("Attach", "start the plugin through the pulumi CLI"),
    getMapping: unary(async () => new provproto.GetMappingResponse().setProvider("").setData("")),
    getMappings: unary(async () => new provproto.GetMappingsResponse()),
    list: (call) => call.emit("error", notImplemented("List", "executions are listed with " + LIST_TOKEN)),
  };
}
