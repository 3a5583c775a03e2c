// One cancellation, declared as this version declares it or, with `declaredAs: earlier`, as
// earlier versions of the package did: a pulumi.dynamic.Resource of the same type, whose
// `__provider` is cancellationProvider serialized anew.
import * as pulumi from "@pulumi/pulumi";
import { cancellationProvider, QueryExecutionCancellation } from "pulumi-oci-query-execution-cancellation";

const config = new pulumi.Config();
const args = { projectId: config.require("projectId"), queryExecutionId: config.require("queryExecutionId") };
// The outputs the provider computes, listed as the earlier class listed them.
const computed = {
  etagAtCancel: undefined,
  etag: undefined,
  lifecycleState: undefined,
  outcome: undefined,
  cancelRequestId: undefined,
  timeCancelRequested: undefined,
  providerVersion: undefined,
  retryToken: undefined,
  ifMatch: undefined,
};
class EarlierCancellation extends pulumi.dynamic.Resource {}
const cancellation =
  config.get("declaredAs") === "earlier"
    ? new EarlierCancellation(cancellationProvider, "cancel", { ...args, ...computed }, undefined, "oci-query-service", "QueryExecutionCancellation")
    : new QueryExecutionCancellation("cancel", args);
export const id = cancellation.id;
