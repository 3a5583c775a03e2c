// `oci-query-cleanup` behind HTTPS_PROXY: its own listing (in the command's process) and the
// cancels (in the provider plugin the engine starts) both go through the proxy's CONNECT tunnel.
// The endpoint's name resolves only in the proxy, so a request that bypassed it could not succeed.

import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { findPulumiCli, pulumiEnv, ROOT } from "../../dev/pulumi/pulumi-cli";
import { startConnectProxy } from "../helpers/connect-proxy";
import { withEmulator } from "../helpers/with-emulator";
import { PASSPHRASE } from "./helpers/cli-stack";

jest.setTimeout(300_000);

const HOST = "queryservice.proxy-test.invalid";
const STACK = "ocid1.queryserviceproject.oc1.iad.emulator";

test("oci-query-cleanup lists and cancels through HTTPS_PROXY", async () => {
  await withEmulator(
    async (emu, creds) => {
      const port = new URL(emu.url).port;
      const proxy = await startConnectProxy({ routes: { [`${HOST}:${port}`]: `127.0.0.1:${port}` } });
      const dir = mkdtempSync(path.join(tmpdir(), "qec-cleanup-proxy-"));
      try {
        for (const sub of ["backend", "cwd", "tmp"]) mkdirSync(path.join(dir, sub));
        const ca = path.join(dir, "emulator-ca.pem");
        writeFileSync(ca, emu.ca!);
        const env = {
          ...pulumiEnv(findPulumiCli(), { home: path.join(dir, "home"), backendDir: path.join(dir, "backend"), passphrase: PASSPHRASE }),
          TMPDIR: path.join(dir, "tmp"),
          HTTPS_PROXY: proxy.url,
          NODE_EXTRA_CA_CERTS: ca,
        };
        const id = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" }).id;
        const args = ["--project-id", STACK, "--endpoint", `https://${HOST}:${port}`, "--config-file", creds.configFile, "--yes", "--json"];
        const node = path.join(ROOT, "node_modules", ".bin", "node");
        const bin = path.join(ROOT, "dist", "automation", "oci-query-cleanup.js");
        const { stdout } = await promisify(execFile)(node, [bin, ...args], { cwd: path.join(dir, "cwd"), env, timeout: 240_000 });

        expect(JSON.parse(stdout.trim())).toMatchObject({ projectId: STACK, matched: 1, cancelled: [id], failed: [] });
        expect(emu.requests().map((r) => [r.operation, r.headers.host])).toEqual(
          expect.arrayContaining([
            ["ListQueryExecutions", `${HOST}:${port}`],
            ["CancelQueryExecution", `${HOST}:${port}`],
          ]),
        );
        expect(emu.effectiveCancels(id)).toBe(1);
        expect(new Set(proxy.connects.map((c) => c.target))).toEqual(new Set([`${HOST}:${port}`]));
        expect(proxy.plainRequests).toEqual([]);
      } finally {
        await proxy.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { https: true, certificateHostNames: [HOST] },
  );
});
