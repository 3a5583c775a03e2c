// QueryServiceClient against the bundled emulator, which verifies signatures, remembers retry
// tokens and injects faults the way the real service's failures look on the wire.

import { generateKeyPairSync } from "node:crypto";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Emulator, EmulatorCredentials } from "../../emulator/index.js";
import { QueryServiceError } from "../../provider/client/errors.js";
import { QueryServiceClient } from "../../provider/client/query-service-client.js";
import type { QueryServiceClientOptions } from "../../provider/client/types.js";
import { withEmulator } from "../helpers/with-emulator.js";
import { rejection as rejectionOf } from "../helpers/rejection";

// No real waiting between attempts; the emulator's own timing is untouched.
const noWait = { random: () => 0, sleep: async () => undefined };

function clientFor(url: string, creds: EmulatorCredentials, options: Partial<QueryServiceClientOptions> = {}): QueryServiceClient {
  return new QueryServiceClient({ endpoint: url, configFile: creds.configFile, profile: creds.profile, ...noWait, ...options });
}

/** Runs fn with a client for the emulator and closes the client afterwards. */
async function withClient(
  fn: (emu: Emulator, client: QueryServiceClient, creds: EmulatorCredentials) => Promise<void>,
  options: Parameters<typeof withEmulator>[1] = {},
): Promise<void> {
  await withEmulator(async (emu, creds) => {
    const client = clientFor(emu.url, creds, emu.ca ? { ca: emu.ca } : {});
    try {
      await fn(emu, client, creds);
    } finally {
      client.close();
    }
  }, options);
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, QueryServiceError);

describe("signed round trips", () => {
  test("gets an execution with an API key from the written config file", async () => {
    await withClient(async (emu, client) => {
      const { projectId, id, etag } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const result = await client.getQueryExecution(projectId, id);
      expect(result.execution).toMatchObject({ id, projectId, lifecycleState: "IN_PROGRESS" });
      expect(result.etag).toBe(etag);
      expect(result.opcRequestId).not.toBe("");
      expect(emu.requests("GetQueryExecution").map((r) => r.status)).toEqual([200]);
    });
  });

  test("signs with a passphrase-protected key", async () => {
    await withClient(
      async (emu, client) => {
        const { projectId, id } = emu.store.addExecution();
        await expect(client.getQueryExecution(projectId, id)).resolves.toMatchObject({ execution: { id } });
      },
      { credentials: { passphrase: "pass phrase 1" } },
    );
  });

  test("signs with a session token profile", async () => {
    await withEmulator(
      async (emu, creds) => {
        const client = clientFor(emu.url, creds, { auth: "SecurityToken" });
        try {
          const { projectId, id } = emu.store.addExecution();
          await expect(client.getQueryExecution(projectId, id)).resolves.toMatchObject({ execution: { id } });
        } finally {
          client.close();
        }
      },
      { credentials: { securityToken: true } },
    );
  });

  test("talks https to the emulator when given its certificate as ca", async () => {
    await withClient(
      async (emu, client) => {
        expect(emu.url).toMatch(/^https:/);
        const { projectId, id } = emu.store.addExecution();
        await expect(client.getQueryExecution(projectId, id)).resolves.toMatchObject({ execution: { id } });
      },
      { https: true },
    );
  });

  test("cancels once, and the execution moves to CANCELING", async () => {
    await withClient(async (emu, client) => {
      const { projectId, id, etag } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      const result = await client.cancelQueryExecution(projectId, id, { ifMatch: etag, retryToken: "cancel-1" });
      expect(result.attempts).toBe(1);
      expect(emu.effectiveCancels(id)).toBe(1);
      expect((await client.getQueryExecution(projectId, id)).execution.lifecycleState).toMatch(/^CANCEL/);
    });
  });

  test("surfaces a stale if-match as EtagMismatch and an unknown id as NotFound", async () => {
    await withClient(async (emu, client) => {
      const { projectId, id } = emu.store.addExecution();
      const stale = await rejection(client.cancelQueryExecution(projectId, id, { ifMatch: "not-the-etag", retryToken: "t-412" }));
      expect(stale.details).toMatchObject({ kind: "EtagMismatch", status: 412, attempts: 1 });
      const missing = await rejection(client.getQueryExecution(projectId, "ocid1.queryexecution.oc1.iad.missing"));
      expect(missing.details).toMatchObject({ kind: "NotFound", status: 404, attempts: 1 });
      expect(missing.details.opcRequestId).not.toBe("");
    });
  });
});

describe("pagination", () => {
  test("lists every execution across three pages, with a name filter that contains a space", async () => {
    await withClient(async (emu, client) => {
      const ids = Array.from({ length: 5 }, () => emu.store.addExecution({ name: "nightly report" }).id);
      emu.store.addExecution({ name: "other" });
      const projectId = emu.defaultProjectId;
      const listed: string[] = [];
      for await (const item of client.listQueryExecutions(projectId, { name: "nightly report", limit: 2, sortOrder: "ASC" })) {
        listed.push(item.id);
      }
      expect(listed.sort()).toEqual([...ids].sort());
      const pages = emu.requests("ListQueryExecutions");
      expect(pages).toHaveLength(3);
      expect(pages.map((r) => r.query.name)).toEqual(["nightly report", "nightly report", "nightly report"]);
      expect(pages[0]?.query.page).toBeUndefined();
      expect(pages.every((r) => r.status === 200)).toBe(true);
    });
  });
});

describe("retry tokens", () => {
  test("an accepted cancel whose reply is lost is retried with the same token and applied once", async () => {
    await withClient(async (emu, client) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      emu.faults.add({ operation: "CancelQueryExecution", afterEffect: "drop-connection" });
      const result = await client.cancelQueryExecution(projectId, id, { retryToken: "drop-1" });
      expect(result.attempts).toBe(2);
      expect(emu.effectiveCancels(id)).toBe(1);
      expect(emu.requests("CancelQueryExecution").map((r) => r.headers["opc-retry-token"])).toEqual(["drop-1", "drop-1"]);
    });
  });

  test("503 twice, then success, sends the same token three times", async () => {
    await withClient(async (emu, client) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      emu.faults.add({ operation: "CancelQueryExecution", times: 2, respond: { status: 503 } });
      const result = await client.cancelQueryExecution(projectId, id, { retryToken: "t-1" });
      expect(result.attempts).toBe(3);
      const sent = emu.requests("CancelQueryExecution");
      expect(sent.map((r) => r.headers["opc-retry-token"])).toEqual(["t-1", "t-1", "t-1"]);
      expect(sent.map((r) => r.status)).toEqual([503, 503, 202]);
      expect(new Set(sent.map((r) => r.headers["opc-request-id"])).size).toBe(3);
      expect(emu.effectiveCancels(id)).toBe(1);
    });
  });

  test("a lost reply without a token is not retried", async () => {
    await withClient(async (emu, client) => {
      const { projectId, id } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      emu.faults.add({ operation: "CancelQueryExecution", afterEffect: "drop-connection" });
      const e = await rejection(client.cancelQueryExecution(projectId, id));
      expect(e.details).toMatchObject({ kind: "Network", attempts: 1, retryable: false });
      expect(emu.requests("CancelQueryExecution")).toHaveLength(1);
    });
  });
});

describe("authentication failures", () => {
  test("a request signed with a key the service does not know is NotAuthenticated, not retried", async () => {
    await withEmulator(async (emu, creds) => {
      const wrongKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
      const client = new QueryServiceClient({
        endpoint: emu.url,
        credentials: { tenancy: creds.tenancy, user: creds.user, fingerprint: creds.fingerprint, privateKey: wrongKey },
        ...noWait,
      });
      try {
        const { projectId, id } = emu.store.addExecution();
        const e = await rejection(client.getQueryExecution(projectId, id));
        expect(e.details).toMatchObject({ kind: "NotAuthenticated", status: 401, code: "NotAuthenticated", attempts: 1, retryable: false });
        expect(e.details.nextStep).toMatch(/fingerprint/);
        expect(emu.requests("GetQueryExecution")).toHaveLength(1);
      } finally {
        client.close();
      }
    });
  });

  test("a request tampered with after signing is NotAuthenticated", async () => {
    await withEmulator(async (emu, creds) => {
      const { projectId } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
      // A proxy that forwards requests as they are, except that it can rewrite the query string.
      let tamper = false;
      const target = new URL(emu.url);
      const proxy: Server = createServer((req, res) => {
        const path = tamper ? (req.url ?? "").replace("limit=2", "limit=3") : req.url;
        const upstream = request({ host: target.hostname, port: target.port, method: req.method, path, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        req.pipe(upstream);
      });
      await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
      const client = clientFor(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, creds);
      const drain = async () => {
        const items = [];
        for await (const item of client.listQueryExecutions(projectId, { limit: 2 })) items.push(item);
        return items;
      };
      try {
        await expect(drain()).resolves.toHaveLength(1); // untouched through the proxy: accepted
        tamper = true;
        const e = await rejection(drain());
        expect(e.details).toMatchObject({ kind: "NotAuthenticated", status: 401, attempts: 1 });
        expect(emu.requests("ListQueryExecutions").map((r) => r.status)).toEqual([200, 401]);
        expect(e.message).not.toMatch(/Signature version/);
      } finally {
        client.close();
        proxy.closeAllConnections();
        await new Promise((resolve) => proxy.close(resolve));
      }
    });
  });
});
