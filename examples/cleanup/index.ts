// A cleanup stack: cancel every query execution of a project that matches a filter. Run it as
// often as you like: executions it already cancelled keep their resources, so a second run with
// nothing new to cancel changes nothing.
//   pulumi config set projectId ocid1.queryserviceproject.oc1.iad.…
//   pulumi config set namePattern '^nightly-'     (optional, a regular expression)
//   pulumi config set olderThanMinutes 60          (optional)
//   pulumi config set maxResults 100               (optional)

import * as pulumi from "@pulumi/pulumi";
import { QueryExecutionCleanup } from "pulumi-oci-query-execution-cancellation";

export = async () => {
  const config = new pulumi.Config();
  const namePattern = config.get("namePattern");
  const cleanup = await QueryExecutionCleanup.create("cleanup", {
    projectId: config.require("projectId"),
    filter: {
      name: namePattern ? new RegExp(namePattern) : undefined,
      olderThanMinutes: config.getNumber("olderThanMinutes"),
      maxResults: config.getNumber("maxResults"),
    },
  });
  return {
    queryExecutionIds: cleanup.queryExecutionIds,
    outcomes: pulumi.all(Object.values(cleanup.cancellations).map((c) => c.outcome)),
  };
};
