// One cancellation, declared as this version declares it or, with `declaredAs: earlier`, as
// earlier versions of the package did: a pulumi.dynamic.Resource of the same type, whose
// `__provider` is cancellationProvider serialized anew. (The earlier class also listed its computed
// outputs as undefined; undefined inputs are not sent, so the state it wrote is the same.)
import * as pulumi from "@pulumi/pulumi";
import { cancellationProvider, QueryExecutionCancellation } from "pulumi-oci-query-execution-cancellation";

const config = new pulumi.Config();
const args = { projectId: config.require("projectId"), queryExecutionId: config.require("queryExecutionId") };
class EarlierCancellation extends pulumi.dynamic.Resource {}
const cancellation =
  config.get("declaredAs") === "earlier"
    ? new EarlierCancellation(cancellationProvider, "cancel", args, undefined, "oci-query-service", "QueryExecutionCancellation")
    : new QueryExecutionCancellation("cancel", args);
export const id = cancellation.id;
