// Two cancellations, the second's triggers computed from the first's outputs: on a first preview
// they are unknown, as inputs taken from other resources often are.
import * as pulumi from "@pulumi/pulumi";
import { QueryExecutionCancellation } from "pulumi-oci-query-execution-cancellation";

const config = new pulumi.Config();
const first = new QueryExecutionCancellation("first", {
  projectId: config.require("projectId"),
  queryExecutionId: config.require("firstId"),
});
const second = new QueryExecutionCancellation("second", {
  projectId: config.require("projectId"),
  queryExecutionId: config.require("secondId"),
  triggers: [first.retryToken],
});
export const outcomes = pulumi.all([first.outcome, second.outcome]);
