// What goes into state for every resource as `__provider`: the fixed PROVIDER_MODULE text the
// class stores, and the trampoline serialized as pulumi.dynamic.Resource does (what earlier
// versions stored, and what a user's own dynamic.Resource(cancellationProvider) stores). Both must
// stay small and run the installed implementation (dist/, built by `npm test` before jest).

import * as pulumi from "@pulumi/pulumi";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is CommonJS with `export =`
import requireFromString = require("require-from-string");
import { cancellationProvider, PROVIDER_MODULE } from "../../provider/provider";

async function serialized(): Promise<string> {
  const provider = cancellationProvider; // captured exactly as pulumi.dynamic.Resource captures it
  return (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
}

describe("serialized provider", () => {
  test("stays under 1.5 KB per resource", async () => {
    const text = await serialized();
    expect(text.length).toBeLessThan(1500);
  });

  test("holds no code of the implementation, only the forwarder", async () => {
    const text = await serialized();
    expect(text).toContain('"pulumi-oci-query-execution-cancellation/implementation"');
    expect(text).not.toMatch(/opc-retry-token|createHash|QueryServiceClient|got/);
  });

  test("the class's fixed module is a fifth of it and holds only the require", () => {
    expect(PROVIDER_MODULE.length).toBeLessThan(200);
    expect(PROVIDER_MODULE).toContain('"pulumi-oci-query-execution-cancellation/implementation"');
  });

  test("the class's fixed module hands the plugin the installed implementation itself, not a trampoline to it", () => {
    // Loaded as the plugin loads it (Node's own require, not jest's), so both share one module cache.
    const installed = requireFromString(
      'module.exports=require("module").createRequire(process.cwd()+"/")("pulumi-oci-query-execution-cancellation/implementation");',
    );
    expect(requireFromString(PROVIDER_MODULE).handler()).toBe(installed.implementation);
  });

  test.each([
    ["the class's fixed module", async () => PROVIDER_MODULE],
    ["the serialized trampoline", serialized],
  ])("%s, loaded as the plugin does, reaches the installed implementation by package name", async (_text, text) => {
    const provider = requireFromString(await text()).handler() as pulumi.dynamic.ResourceProvider;
    // A federated auth kind: check's connection rules need an endpoint but read no local credentials.
    const connection = { endpoint: "https://qs.example.com", auth: "InstancePrincipal" };
    const check = await provider.check!({}, { projectId: "p", queryExecutionId: "q", waitTimeoutSeconds: 5, ...connection });
    expect(check).toEqual({
      inputs: {
        ...connection,
        projectId: "p",
        queryExecutionId: "q",
        triggers: [],
        waitForTerminalState: false,
        waitTimeoutSeconds: 5,
        onAlreadyTerminal: "succeed",
        onNotFound: "fail",
      },
    });
    const diff = await provider.diff!(
      "id",
      { projectId: "p", queryExecutionId: "q", outcome: "NOT_FOUND" },
      { projectId: "p", queryExecutionId: "q", triggers: [1] },
    );
    expect(diff.replaces).toEqual(["triggers"]);
    const update = await provider.update!("id", { projectId: "p", queryExecutionId: "q", outcome: "NOT_FOUND" }, { projectId: "p", queryExecutionId: "q" });
    expect(update.outs).toMatchObject({ outcome: "NOT_FOUND", projectId: "p" });
    expect(provider.delete).toBeUndefined();
  });
});
