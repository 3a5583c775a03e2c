// One cancellation whose inputs come from stack config; `triggers: date` gives it the trigger a
// user might write to force a new cancel on every run.
import * as pulumi from "@pulumi/pulumi";
import { QueryExecutionCancellation } from "pulumi-oci-query-execution-cancellation";

const config = new pulumi.Config();
new QueryExecutionCancellation("c", {
  projectId: config.require("projectId"),
  queryExecutionId: config.require("queryExecutionId"),
  ...(config.get("triggers") === "date" ? { triggers: [new Date(), undefined] } : {}),
});
