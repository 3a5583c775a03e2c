// The peer: the dynamic provider a user would write instead of installing ours, the way Pulumi's
// docs show one (a class implementing ResourceProvider, one instance passed to
// `pulumi.dynamic.Resource`). Its create signs a GET and a POST with oci-common and sends them.
// Pulumi serializes the instance, its class and whatever they capture into every resource's
// state, and runs that copy on refresh and destroy. `npm run bench` runs it in the same cleanup
// stack as ours.

import * as pulumi from "@pulumi/pulumi";
import * as common from "oci-common";

export interface CancelArgs {
  endpoint: string;
  configFile: string;
  projectId: string;
  queryExecutionId: string;
}

/** GETs the execution for its etag, then POSTs the cancel with if-match and a fresh retry token. */
class QueryExecutionCanceller implements pulumi.dynamic.ResourceProvider {
  async create(inputs: CancelArgs): Promise<pulumi.dynamic.CreateResult> {
    const auth = new common.ConfigFileAuthenticationDetailsProvider(inputs.configFile);
    const http = new common.FetchHttpClient(new common.DefaultRequestSigner(auth));
    const url = `${inputs.endpoint}/20210831/projects/${encodeURIComponent(inputs.projectId)}/queryExecutions/${encodeURIComponent(inputs.queryExecutionId)}`;
    const execution = await http.send({ method: "GET", uri: url, headers: this.headers() });
    if (!execution.ok) throw new Error(`GetQueryExecution: ${execution.status} ${await execution.text()}`);
    const { lifecycleState } = await execution.json();
    const headers = this.headers();
    headers.set("content-type", "application/json");
    headers.set("if-match", execution.headers.get("etag") ?? "");
    headers.set("opc-retry-token", crypto.randomUUID());
    const cancel = await http.send({ method: "POST", uri: `${url}/actions/cancel`, headers, body: "" });
    if (!cancel.ok) throw new Error(`CancelQueryExecution: ${cancel.status} ${await cancel.text()}`);
    return { id: inputs.queryExecutionId, outs: { ...inputs, lifecycleState, opcRequestId: cancel.headers.get("opc-request-id") ?? "" } };
  }

  headers(): Headers {
    return new Headers({ accept: "application/json" });
  }
}

/** The same provider after a small edit (it now names itself to the service): a code change. */
class QueryExecutionCancellerRevised extends QueryExecutionCanceller {
  override headers(): Headers {
    const headers = super.headers();
    headers.set("opc-client-info", "cleanup-peer/2");
    return headers;
  }
}

const providers = { 1: new QueryExecutionCanceller(), 2: new QueryExecutionCancellerRevised() };

export class PeerCancellation extends pulumi.dynamic.Resource {
  declare public readonly lifecycleState: pulumi.Output<string>;
  declare public readonly opcRequestId: pulumi.Output<string>;

  /** `revision` picks the provider code: 1, or 2 for the edited one. */
  constructor(name: string, args: { [K in keyof CancelArgs]: pulumi.Input<CancelArgs[K]> }, revision: 1 | 2, opts?: pulumi.CustomResourceOptions) {
    super(providers[revision], name, { ...args, lifecycleState: undefined, opcRequestId: undefined }, opts);
  }
}
