// The dynamic provider object behind every resource's state (stored twice) that Pulumi runs on
// refresh and destroy. It stays a trampoline: each method loads this package's installed
// implementation by name at call time, so state stays small and old state runs new code.
//
// Size: the serializer wraps every distinct function in ~190 bytes of boilerplate, so the five
// methods whose argument shapes differ (configure, check, create, read, diff) share one forwarder
// and the installed code routes the call (implementation.ts, `routeCall`). update takes the same
// arguments as diff, so it passes its name as a fourth. Whatever these functions reference is
// serialized too. BENCHMARKS.md lists the shapes measured (`npm run bench`).
//
// QueryExecutionCancellation itself stores smaller text still: PROVIDER_MODULE, a fixed module
// whose handler returns this object from the installed package. The serialized trampoline is what
// states written by earlier versions hold, and what `new pulumi.dynamic.Resource(cancellationProvider, …)`
// stores: both keep working, since routeCall accepts every shape it ever sent.

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

/**
 * @internal The `__provider` text QueryExecutionCancellation stores in every resource's state (in
 * its inputs and its outputs). The dynamic-provider plugin loads it as a module and calls its
 * `handler()`, as it does with the text `pulumi.runtime.serializeFunction` writes; this one
 * returns `cancellationProvider` from the package installed beside the program, so refresh and
 * destroy run the installed code. It is fixed: upgrading the package never changes the state, and
 * 150 bytes instead of the 986 of the serialized trampoline.
 */
export const PROVIDER_MODULE =
  'exports.handler=()=>require("module").createRequire(process.cwd()+"/")("pulumi-oci-query-execution-cancellation/implementation").cancellationProvider;';
