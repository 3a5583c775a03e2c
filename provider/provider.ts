// The dynamic provider object that Pulumi serializes into every resource's state (twice) and
// runs on refresh and destroy. It stays a trampoline: each method loads this package's installed
// implementation by name at call time, so state stays small and old state runs new code.
//
// Size: the serializer wraps every distinct function in ~190 bytes of boilerplate, so the five
// methods whose argument shapes differ (configure, check, create, read, diff) share one forwarder
// and the installed code routes the call (implementation.ts, `routeCall`). update takes the same
// arguments as diff, so it passes its name as a fourth. Whatever these functions reference is
// serialized too. BENCHMARKS.md lists the shapes measured (`npm run bench`).

import type * as dynamic from "@pulumi/pulumi/dynamic";

/**
 * Forwards a call to the installed implementation, loaded by package name. Resolution starts
 * from the program's directory (the plugin's working directory), which also finds the package
 * by its own name when the program lives inside this package's folder, as the examples do.
 */
function forward(...args: unknown[]): Promise<any> {
  return require("module").createRequire(process.cwd() + "/")("pulumi-oci-query-execution-cancellation/implementation").routeCall(args);
}

/**
 * The `pulumi.dynamic.ResourceProvider` behind `QueryExecutionCancellation`. It has no `delete`:
 * a cancel cannot be undone, and the plugin treats a missing delete as "nothing to do".
 */
export const cancellationProvider: dynamic.ResourceProvider = {
  configure: forward,
  check: forward,
  create: forward,
  read: forward,
  diff: forward,
  update: (id, olds, news) => forward(id, olds, news, "update"),
};
