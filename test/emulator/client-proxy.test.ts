// QueryServiceClient behind a corporate proxy: HTTPS_PROXY opens a CONNECT tunnel and TLS runs
// inside it to the emulator, so the proxy sees the host and port and never the signature. The
// endpoint's host name resolves only in the proxy (test/helpers/connect-proxy.ts), as an outside
// name does behind a corporate proxy: a request that bypasses the proxy cannot reach it.

import { generate } from "selfsigned";
import type { Emulator, EmulatorCredentials } from "../../emulator/index.js";
import { QueryServiceError } from "../../provider/client/errors.js";
import { QueryServiceClient } from "../../provider/client/query-service-client.js";
import type { QueryServiceClientOptions } from "../../provider/client/types.js";
import { startConnectProxy, type ConnectProxy, type ConnectProxyOptions } from "../helpers/connect-proxy.js";
import { rejection as rejectionOf } from "../helpers/rejection";
import { withEmulator } from "../helpers/with-emulator.js";

const HOST = "queryservice.proxy-test.invalid";
const rejection = (promise: Promise<unknown>) => rejectionOf(promise, QueryServiceError);

/** An https emulator known as HOST, a proxy that routes HOST to it, and a client with `env`. */
async function behindProxy(
  env: (proxy: ConnectProxy) => Record<string, string>,
  fn: (emu: Emulator, client: QueryServiceClient, proxy: ConnectProxy) => Promise<void>,
  options: { proxy?: ConnectProxyOptions; client?: Partial<QueryServiceClientOptions>; trust?: string[] } = {},
): Promise<void> {
  await withEmulator(
    async (emu, creds: EmulatorCredentials) => {
      const port = new URL(emu.url).port;
      const proxy = await startConnectProxy({ routes: { [`${HOST}:${port}`]: `127.0.0.1:${port}` }, ...options.proxy });
      const client = new QueryServiceClient({
        endpoint: `https://${HOST}:${port}`,
        configFile: creds.configFile,
        profile: creds.profile,
        ca: [emu.ca!, ...(options.trust ?? [])],
        proxyEnv: env(proxy),
        random: () => 0,
        sleep: async () => undefined,
        ...options.client,
      });
      try {
        await fn(emu, client, proxy);
      } finally {
        client.close();
        await proxy.close();
      }
    },
    { https: true, certificateHostNames: [HOST] },
  );
}

describe("QueryServiceClient through HTTPS_PROXY", () => {
  test("sends a signed request through a CONNECT tunnel the proxy cannot read", async () => {
    await behindProxy(
      (proxy) => ({ HTTPS_PROXY: proxy.url.replace("http://", "http://alice:s3cret@") }),
      async (emu, client, proxy) => {
        const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
        await expect(client.getQueryExecution(projectId, id)).resolves.toMatchObject({ execution: { id } });

        const port = new URL(emu.url).port;
        expect(proxy.connects).toEqual([{ target: `${HOST}:${port}`, proxyAuthorization: `Basic ${Buffer.from("alice:s3cret").toString("base64")}` }]);
        expect(proxy.plainRequests).toEqual([]);
        // The emulator checked the signature (auth is on) and saw the name the client signed.
        expect(emu.requests("GetQueryExecution").map((r) => [r.status, r.headers.host])).toEqual([[200, `${HOST}:${port}`]]);
        const inTunnel = proxy.tunnelledBytes().toString("latin1");
        expect(inTunnel.length).toBeGreaterThan(0);
        expect(inTunnel).not.toMatch(/authorization|Signature|keyId|queryExecutions/i);
      },
    );
  });

  test("reads https_proxy when HTTPS_PROXY is unset, and HTTPS_PROXY first when both are", async () => {
    await behindProxy(
      (proxy) => ({ https_proxy: proxy.url }),
      async (emu, client, proxy) => {
        const { projectId, id } = emu.store.addExecution();
        await client.getQueryExecution(projectId, id);
        expect(proxy.connects).toHaveLength(1);
      },
    );
    await behindProxy(
      (proxy) => ({ HTTPS_PROXY: proxy.url, https_proxy: "http://127.0.0.1:9" }),
      async (emu, client, proxy) => {
        const { projectId, id } = emu.store.addExecution();
        await client.getQueryExecution(projectId, id);
        expect(proxy.connects).toHaveLength(1);
      },
    );
  });

  test.each(["127.0.0.1", "localhost"])("speaks TLS to an https:// proxy at %s and TLS with the service inside the tunnel", async (proxyHost) => {
    // A subject of its own: OpenSSL looks a self-signed certificate up by subject, and the
    // emulator's is CN=localhost.
    const pems = await generate([{ name: "commonName", value: "test proxy" }], {
      keySize: 2048,
      extensions: [
        {
          name: "subjectAltName",
          altNames: [
            { type: 7, ip: "127.0.0.1" },
            { type: 2, value: "localhost" },
          ],
        },
      ],
    });
    const proxyTls = { key: pems.private, cert: pems.cert };
    await behindProxy(
      (proxy) => ({ HTTPS_PROXY: proxy.url.replace("127.0.0.1", proxyHost) }),
      async (emu, client, proxy) => {
        expect(proxy.url).toMatch(/^https:/);
        const { projectId, id } = emu.store.addExecution();
        await expect(client.getQueryExecution(projectId, id)).resolves.toMatchObject({ execution: { id } });
        expect(proxy.connects).toHaveLength(1);
        expect(emu.requests("GetQueryExecution").map((r) => r.status)).toEqual([200]);
      },
      { proxy: { tls: proxyTls }, trust: [proxyTls.cert] },
    );
  });

  test("reuses one tunnel for the requests of one client", async () => {
    await behindProxy(
      (proxy) => ({ HTTPS_PROXY: proxy.url }),
      async (emu, client, proxy) => {
        const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
        const { etag } = await client.getQueryExecution(projectId, id);
        await client.cancelQueryExecution(projectId, id, { ifMatch: etag, retryToken: "proxy-1" });
        await client.getQueryExecution(projectId, id);
        expect(emu.requests().map((r) => r.status)).toEqual([200, 202, 200]);
        expect(proxy.connects).toHaveLength(1);
      },
    );
  });

  test("fails at once, naming the proxy but not its password, when the proxy answers 407", async () => {
    await behindProxy(
      (proxy) => ({ HTTPS_PROXY: proxy.url.replace("http://", "http://alice:wrong-pass@") }),
      async (emu, client, proxy) => {
        const { projectId, id } = emu.store.addExecution();
        const error = await rejection(client.getQueryExecution(projectId, id));
        expect(error.details).toMatchObject({ kind: "Network", code: "ProxyDenied", attempts: 1, retryable: false });
        expect(error.message).toContain(`the proxy ${proxy.url} (from HTTPS_PROXY) refused CONNECT ${HOST}:`);
        expect(error.message).toContain("407");
        expect(error.message).toContain("check the user and password in HTTPS_PROXY");
        expect(`${error.message} ${JSON.stringify(error)} ${JSON.stringify(error.details)}`).not.toContain("wrong-pass");
        expect(emu.requests()).toEqual([]);
      },
      { proxy: { credentials: "alice:s3cret" } },
    );
  });

  test("retries when the proxy answers CONNECT with a 5xx, and says so", async () => {
    await behindProxy(
      (proxy) => ({ HTTPS_PROXY: proxy.url }),
      async (emu, client) => {
        const error = await rejection(client.getQueryExecution("p", "q"));
        expect(error.details).toMatchObject({ kind: "Network", code: "ProxyFailed", attempts: 2, retryable: true });
        expect(error.message).toContain("refused CONNECT queryservice.proxy-test.invalid:1: 502 Bad Gateway");
        expect(emu.requests()).toEqual([]);
      },
      // A port the proxy has no route for: it cannot reach the target and answers 502.
      { client: { retry: { maxAttempts: 2 }, endpoint: `https://${HOST}:1` } },
    );
  });

  test("says which proxy setting cannot be reached", async () => {
    await behindProxy(
      () => ({ HTTPS_PROXY: "http://bob:hunter2@127.0.0.1:9" }),
      async (emu, client) => {
        const { projectId, id } = emu.store.addExecution();
        const error = await rejection(client.getQueryExecution(projectId, id));
        expect(error.details).toMatchObject({ kind: "Network", code: "ECONNREFUSED", attempts: 2 });
        expect(error.message).toContain("cannot reach the proxy http://127.0.0.1:9 (from HTTPS_PROXY)");
        expect(error.message).not.toContain("hunter2");
      },
      { client: { retry: { maxAttempts: 2 } } },
    );
  });
});

describe("QueryServiceClient and loopback endpoints", () => {
  test("reaches a loopback endpoint directly even when HTTPS_PROXY is set", async () => {
    const proxy = await startConnectProxy();
    try {
      await withEmulator(
        async (emu, creds) => {
          const client = new QueryServiceClient({
            endpoint: emu.url,
            configFile: creds.configFile,
            profile: creds.profile,
            ca: emu.ca,
            proxyEnv: { HTTPS_PROXY: proxy.url },
          });
          try {
            const { projectId, id } = emu.store.addExecution();
            await client.getQueryExecution(projectId, id);
          } finally {
            client.close();
          }
          expect(proxy.connects).toEqual([]);
        },
        { https: true },
      );
    } finally {
      await proxy.close();
    }
  });
});
