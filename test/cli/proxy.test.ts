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

describe("examples/quickstart through pulumi behind HTTPS_PROXY", () => {
  test("up cancels through the proxy's CONNECT tunnel; neither the proxy's password nor the signature leave it", async () => {
    await withEmulator(
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
          Object.assign(stack.env, { HTTPS_PROXY: proxy.url.replace("http://", "http://alice:s3cret@"), NODE_EXTRA_CA_CERTS: ca });

          const up = await stack.up();
          succeeded(up);
          expect(changeSummary(up.output)).toEqual(["+ 2 created"]);
          expect(emu.requests().map((r) => [r.operation, r.status, r.headers.host])).toEqual([
            ["GetQueryExecution", 200, `${HOST}:${port}`],
            ["CancelQueryExecution", 202, `${HOST}:${port}`],
          ]);
          expect(proxy.connects.map((c) => c.target)).toContain(`${HOST}:${port}`);
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
  });
});
