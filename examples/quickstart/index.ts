// Quick start: cancel one query execution, exactly once. Values come from stack config:
//   pulumi config set projectId ocid1.queryserviceproject.oc1.iad.…
//   pulumi config set queryExecutionId …
//   pulumi config set queryservice:endpoint https://…   (or oci:region, see README)

import * as pulumi from "@pulumi/pulumi";
import { QueryExecutionCancellation } from "pulumi-oci-query-execution-cancellation";

const config = new pulumi.Config();

const cancellation = new QueryExecutionCancellation("stuck-report", {
  projectId: config.require("projectId"),
  queryExecutionId: config.require("queryExecutionId"),
  // Bump a trigger to ask for a new cancel (a new retry token) of the same execution.
  triggers: config.getObject<unknown[]>("triggers") ?? [],
  waitForTerminalState: config.getBoolean("waitForTerminalState") ?? false,
});

export const outcome = cancellation.outcome;
export const lifecycleState = cancellation.lifecycleState;
export const retryToken = cancellation.retryToken;
export const cancelRequestId = cancellation.cancelRequestId;
