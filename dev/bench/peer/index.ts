// The cleanup stack of examples/cleanup, with the peer provider (canceller.ts) instead of ours:
// the same listing (planCleanup), one cancellation per match named after its execution id, under
// one component, the same stack outputs. Config: projectId, queryservice:endpoint,
// queryservice:configFile, and peerRevision (1, or 2 for the edited provider code).

import * as pulumi from "@pulumi/pulumi";
import { planCleanup } from "pulumi-oci-query-execution-cancellation";
import { PeerCancellation, type CancelArgs } from "./canceller";

class PeerCleanup extends pulumi.ComponentResource {
  readonly cancellations: PeerCancellation[];

  constructor(name: string, ids: string[], args: Omit<CancelArgs, "queryExecutionId">, revision: 1 | 2) {
    super("bench:peer:QueryExecutionCleanup", name, {});
    this.cancellations = ids.map((id) => new PeerCancellation(`${name}-${id}`, { ...args, queryExecutionId: id }, revision, { parent: this }));
    this.registerOutputs({ queryExecutionIds: ids });
  }
}

export = async () => {
  const config = new pulumi.Config();
  const service = new pulumi.Config("queryservice");
  const projectId = config.require("projectId");
  const plan = await planCleanup({ projectId });
  const ids = [...new Set([...plan.toCancel, ...plan.alreadyCancelled].map((e) => e.id))].sort();
  const connection = { endpoint: service.require("endpoint"), configFile: service.require("configFile"), projectId };
  const cleanup = new PeerCleanup("cleanup", ids, connection, config.getNumber("peerRevision") === 2 ? 2 : 1);
  return { queryExecutionIds: ids, lifecycleStates: pulumi.all(cleanup.cancellations.map((c) => c.lifecycleState)) };
};
