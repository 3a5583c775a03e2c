// What a resource's state says the dynamic-provider plugin should run. Pulumi stores it in every
// resource's state (twice) and runs *that* text on refresh and destroy, so it must hold no logic:
// it loads this package's installed implementation by name, and old state runs new code.
//
// QueryExecutionCancellation stores PROVIDER_MODULE, a fixed module whose handler returns the
// implementation itself. `cancellationProvider` is for `new pulumi.dynamic.Resource(cancellationProvider, …)`,
// which serializes it into state (as earlier versions of the class did): a trampoline whose
// methods share one forwarder, since the serializer wraps each distinct function in boilerplate,
// and the installed code routes each call by its arguments (implementation.ts, `routeCall`).
// update takes the same arguments as diff, so it passes its name as a fourth. Whatever these
// functions reference is serialized too. BENCHMARKS.md has the sizes (`npm run bench`).

import type * as dynamic from "@pulumi/pulumi/dynamic";

/**
 * Forwards a call to the installed implementation, loaded by package name. Resolution starts
 * from the program's directory (the plugin's working directory), which also finds the package
 * by its own name when the program lives inside this package's folder, as the examples do.
 */
// It must require() inside its body: the engine runs this function's serialized text, not this module.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports */
function forward(...args: unknown[]): Promise<any> {
  return require("module")
    .createRequire(process.cwd() + "/")("pulumi-oci-query-execution-cancellation/implementation")
    .routeCall(args);
}
/* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-require-imports */

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
 * returns the implementation from the package installed beside the program, so refresh and
 * destroy run the installed code, one call away. It is fixed: upgrading the package never changes
 * the state.
 */
export const PROVIDER_MODULE =
  'exports.handler=()=>require("module").createRequire(process.cwd()+"/")("pulumi-oci-query-execution-cancellation/implementation").implementation;';
