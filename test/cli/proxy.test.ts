// examples/quickstart through the real `pulumi` CLI behind a corporate proxy: HTTPS_PROXY set in
// the shell that runs `pulumi up` reaches the dynamic-provider plugin, whose requests go through a
// CONNECT tunnel. The endpoint's name resolves only in the proxy, so nothing else can succeed.

import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { startConnectProxy } from "../helpers/connect-proxy";
import { withEmulator } from "../helpers/with-emulator";
import { changeSummary, CliStack, succeeded } from "./helpers/cli-stack";

jest.setTimeout(300_000);

const HOST = "queryservice.proxy-test.invalid";

/** A stack of examples/quickstart whose endpoint only the proxy resolves, with `env` added to pulumi's environment. */
async function upBehindProxy(env: (proxyUrl: string) => Record<string, string>) {
  return withEmulator(
    async (emu, creds) => {
      const port = new URL(emu.url).port;
      const proxy = await startConnectProxy({ routes: { [`${HOST}:${port}`]: `127.0.0.1:${port}` }, credentials: "alice:s3cret" });
      const execution = emu.store.addExecution({ lifecycleState: "IN_PROGRESS", name: "stuck-report" });
      const stack = await CliStack.init("examples/quickstart", {
        "queryservice:endpoint": `https://${HOST}:${port}`,
        "queryservice:configFile": creds.configFile,
        projectId: execution.projectId,
        queryExecutionId: execution.id,
      });
      try {
        const ca = path.join(stack.tmp, "emulator-ca.pem");
        writeFileSync(ca, emu.ca!);
        Object.assign(stack.env, { NODE_EXTRA_CA_CERTS: ca }, env(proxy.url.replace("http://", "http://alice:s3cret@")));
        const up = await stack.up();
        succeeded(up);
        expect(changeSummary(up.output)).toEqual(["+ 2 created"]);
        expect(emu.requests().map((r) => [r.operation, r.status, r.headers.host])).toEqual([
          ["GetQueryExecution", 200, `${HOST}:${port}`],
          ["CancelQueryExecution", 202, `${HOST}:${port}`],
        ]);
        // One tunnel, to the endpoint: the engine's own loopback connections went direct.
        expect(proxy.connects.map((c) => c.target)).toEqual([`${HOST}:${port}`]);
        expect(proxy.plainRequests).toEqual([]);
        expect(proxy.tunnelledBytes().toString("latin1")).not.toMatch(/authorization|Signature|keyId|queryExecutions/i);
        expect((await stack.resources())[0]!.outputs).toMatchObject({ outcome: "CANCEL_REQUESTED" });
        expect(JSON.stringify(await stack.exportState())).not.toContain("s3cret");
        expect(up.output).not.toContain("s3cret");
      } finally {
        stack.dispose();
        await proxy.close();
      }
    },
    { https: true, certificateHostNames: [HOST] },
  );
}

describe("examples/quickstart through pulumi behind a proxy", () => {
  test("with HTTPS_PROXY, up cancels through the proxy's CONNECT tunnel; neither the proxy's password nor the signature leave it", async () => {
    await upBehindProxy((proxyUrl) => ({ HTTPS_PROXY: proxyUrl }));
  });

  // The Pulumi Node.js SDK's gRPC library reads the lower-case names only and, unlike the
  // pulumi CLI, sends loopback through the proxy unless no_proxy lists it (README "Proxies").
  test("with lower-case https_proxy and no_proxy listing loopback, up works the same", async () => {
    await upBehindProxy((proxyUrl) => ({ https_proxy: proxyUrl, no_proxy: "localhost,127.0.0.1" }));
  });
});
