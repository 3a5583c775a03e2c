// The engine's ResourceMonitor service as the SDK's language runtime calls it, over one Deployment.
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb.js";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb.js";
import * as resproto from "@pulumi/pulumi/proto/resource_pb.js";
import { MonitorRefusal, type Deployment, type Registration } from "./deployment.js";
import { fromSdkMap, toSdkMap } from "./properties.js";
import { aliasUrns, makeUrn } from "./urn.js";
import { fromStruct, toStruct } from "./wire.js";

/**
 * What the harness tells the SDK it supports. Transforms, hooks, parameterization and state migrations
 * need callback servers the harness does not run; the SDK then fails clearly ("The Pulumi CLI does not
 * support transforms") if a program uses them.
 */
const FEATURES: Record<string, resproto.ResourceMonitorFeature> = {
  secrets: resproto.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_SECRETS,
  resourceReferences: resproto.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES,
  outputValues: resproto.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_OUTPUT_VALUES,
  aliasSpecs: resproto.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS,
  deletedWith: resproto.ResourceMonitorFeature.RESOURCE_MONITOR_FEATURE_DELETED_WITH,
};

export interface MonitorContext {
  project: string;
  stack: string;
  organization: string;
  dryRun: boolean;
  parallel: number;
  config: Record<string, string>;
  secretKeys: string[];
  deployment: Deployment;
  /** Called for every RPC the SDK makes, so a run can report what the program asked for. */
  onRpc?: (method: string) => void;
}

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

function refuse<T>(callback: grpc.sendUnaryData<T>, e: unknown): void {
  if (e instanceof MonitorRefusal) callback({ code: e.grpcCode, details: e.message });
  else callback({ code: grpc.status.INTERNAL, details: e instanceof Error ? e.message : String(e) });
}

export function monitorService(ctx: MonitorContext): [grpc.ServiceDefinition, grpc.UntypedServiceImplementation] {
  const unimplemented =
    (name: string, hint = ""): Unary<unknown, never> =>
    (_call: grpc.ServerUnaryCall<unknown, never>, callback: grpc.sendUnaryData<never>) => {
      ctx.onRpc?.(name);
      callback({ code: grpc.status.UNIMPLEMENTED, details: `${name} is not implemented by the test harness${hint}` });
    };

  const decode = (
    req: {
      getType(): string;
      getName(): string;
      getParent(): string;
      getDependenciesList(): string[];
    },
    custom: boolean,
    object: Record<string, unknown>,
  ): Pick<Registration, "type" | "name" | "urn" | "parent" | "custom" | "inputs" | "dependencies"> => ({
    type: req.getType(),
    name: req.getName(),
    urn: makeUrn(ctx.stack, ctx.project, req.getParent(), req.getType(), req.getName()),
    parent: req.getParent(),
    custom,
    inputs: fromSdkMap(object as never),
    dependencies: req.getDependenciesList(),
  });

  const implementation: grpc.UntypedServiceImplementation = {
    supportsFeature: (call: grpc.ServerUnaryCall<resproto.SupportsFeatureRequest, resproto.SupportsFeatureResponse>, callback: grpc.sendUnaryData<resproto.SupportsFeatureResponse>) => {
      ctx.onRpc?.("SupportsFeature");
      callback(null, new resproto.SupportsFeatureResponse().setHassupport(call.request.getId() in FEATURES));
    },

    getDeploymentInfo: (_call: grpc.ServerUnaryCall<Empty, resproto.DeploymentInfo>, callback: grpc.sendUnaryData<resproto.DeploymentInfo>) => {
      ctx.onRpc?.("GetDeploymentInfo");
      const info = new resproto.DeploymentInfo()
        .setProject(ctx.project)
        .setStack(ctx.stack)
        .setOrganization(ctx.organization)
        .setDryrun(ctx.dryRun)
        .setParallel(ctx.parallel)
        .setConfigsecretkeysList(ctx.secretKeys)
        .setSupportedfeaturesList(Object.values(FEATURES));
      for (const [k, v] of Object.entries(ctx.config)) info.getConfigMap().set(k, v);
      callback(null, info);
    },

    registerResource: (call: grpc.ServerUnaryCall<resproto.RegisterResourceRequest, resproto.RegisterResourceResponse>, callback: grpc.sendUnaryData<resproto.RegisterResourceResponse>) => {
      ctx.onRpc?.("RegisterResource");
      const req = call.request;
      let reg: Registration;
      try {
        const base = decode(req, req.getCustom(), fromStruct(req.getObject()));
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps, key) => {
          if (deps.getUrnsList().length) propertyDependencies[key] = deps.getUrnsList();
        });
        reg = {
          ...base,
          propertyDependencies,
          protect: req.getProtect() === true,
          retainOnDelete: req.getRetainondelete() === true,
          deletedWith: req.getDeletedwith(),
          deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
          ignoreChanges: req.getIgnorechangesList(),
          replaceOnChanges: req.getReplaceonchangesList(),
          additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
          aliases: [
            ...req.getAliasurnsList(),
            ...aliasUrns(req.getAliasesList(), { stack: ctx.stack, project: ctx.project, type: base.type, name: base.name, parentUrn: base.parent }),
          ],
          importId: req.getImportid(),
        };
      } catch (e) {
        refuse(callback, e);
        return;
      }
      ctx.deployment.register(reg).then(
        (result) => {
          const res = new resproto.RegisterResourceResponse()
            .setUrn(result.urn)
            .setId(result.id)
            .setObject(toStruct(toSdkMap(result.outputs), "outputs"))
            .setResult(result.failed ? resproto.Result.FAIL : resproto.Result.SUCCESS);
          callback(null, res);
        },
        (e: unknown) => refuse(callback, e),
      );
    },

    registerResourceOutputs: (call: grpc.ServerUnaryCall<resproto.RegisterResourceOutputsRequest, Empty>, callback: grpc.sendUnaryData<Empty>) => {
      ctx.onRpc?.("RegisterResourceOutputs");
      ctx.deployment.registerOutputs(call.request.getUrn(), fromSdkMap(fromStruct(call.request.getOutputs())));
      callback(null, new Empty());
    },

    readResource: (call: grpc.ServerUnaryCall<resproto.ReadResourceRequest, resproto.ReadResourceResponse>, callback: grpc.sendUnaryData<resproto.ReadResourceResponse>) => {
      ctx.onRpc?.("ReadResource");
      const req = call.request;
      const base = decode(req, true, fromStruct(req.getProperties()));
      const reg: Registration = {
        ...base,
        propertyDependencies: {},
        protect: false,
        retainOnDelete: false,
        deletedWith: "",
        deleteBeforeReplace: undefined,
        ignoreChanges: [],
        replaceOnChanges: [],
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        aliases: [],
        importId: "",
      };
      ctx.deployment.read(reg, req.getId()).then(
        (result) =>
          callback(null, new resproto.ReadResourceResponse().setUrn(result.urn).setProperties(toStruct(toSdkMap(result.outputs), "outputs"))),
        (e: unknown) => refuse(callback, e),
      );
    },

    signalAndWaitForShutdown: (_call: grpc.ServerUnaryCall<Empty, Empty>, callback: grpc.sendUnaryData<Empty>) => {
      ctx.onRpc?.("SignalAndWaitForShutdown");
      // The program is done registering; answer once every step it started has finished.
      void ctx.deployment.idle().then(() => callback(null, new Empty()));
    },

    invoke: (call: grpc.ServerUnaryCall<resproto.ResourceInvokeRequest, never>, callback: grpc.sendUnaryData<never>) => {
      ctx.onRpc?.("Invoke");
      callback({
        code: grpc.status.UNIMPLEMENTED,
        details: `Invoke of ${call.request.getTok()} is not implemented by the test harness (no provider functions)`,
      });
    },

    call: unimplemented("Call", " (no component providers)"),
    registerStackTransform: unimplemented("RegisterStackTransform"),
    registerStackInvokeTransform: unimplemented("RegisterStackInvokeTransform"),
    registerResourceHook: unimplemented("RegisterResourceHook"),
    registerErrorHook: unimplemented("RegisterErrorHook"),
    registerPackage: unimplemented("RegisterPackage"),
  };
  return [
    resrpc.ResourceMonitorService as unknown as grpc.ServiceDefinition,
    implementation,
  ];
}
