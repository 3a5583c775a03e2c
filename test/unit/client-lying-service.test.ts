// The client against a service on loopback that lies: answers about another execution or
// project, or pages for ever. Nothing may be decided on such an answer.

import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cancelExecution, type CancelDeps } from "../../provider/cancel";
import { ConfigurationError, QueryServiceError } from "../../provider/client/errors";
import { DEFAULT_MAX_LIST_PAGES } from "../../provider/client/page-trail";
import { QueryServiceClient } from "../../provider/client/query-service-client";
import type { QueryServiceClientOptions } from "../../provider/client/types";
import { normaliseInputs, type CancellationInputs } from "../../provider/inputs";
import { rejection as rejectionOf } from "../helpers/rejection";

const PROJECT = "ocid1.queryserviceproject.oc1.iad.p1";
const EXEC = "ocid1.queryexecution.oc1.iad.a";
const OTHER = "ocid1.queryexecution.oc1.iad.b";

const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const credentials = { tenancy: "ocid1.tenancy.oc1..t", user: "ocid1.user.oc1..u", fingerprint: "12:34", privateKey };

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

let server: Server;
let endpoint: string;
let requests: Array<{ method: string; url: string }>;
let answer: (req: IncomingMessage, n: number) => Answer;
let clients: QueryServiceClient[];

beforeEach(async () => {
  requests = [];
  clients = [];
  answer = () => ({ status: 599 });
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume().on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "" });
      const { status, body, headers } = answer(req, requests.length);
      res.writeHead(status, { "content-type": "application/json", "opc-request-id": `srv-${requests.length}`, ...headers });
      res.end(body === undefined ? "" : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const c of clients) c.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function client(options: Partial<QueryServiceClientOptions> = {}): QueryServiceClient {
  const made = new QueryServiceClient({ endpoint, credentials, attemptTimeoutMs: 10_000, sleep: async () => undefined, ...options });
  clients.push(made);
  return made;
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, QueryServiceError);

async function drain(items: AsyncIterable<{ id: string }>): Promise<string[]> {
  const ids: string[] = [];
  for await (const item of items) ids.push(item.id);
  return ids;
}

/** GET answers with this body (and an etag); a cancel POST is accepted. */
function getAnswers(body: Record<string, unknown>): void {
  answer = (req) => (req.method === "POST" ? { status: 202 } : { status: 200, body, headers: { etag: "etag-1" } });
}

describe("getQueryExecution", () => {
  test("refuses an answer about another execution as Malformed naming both ids", async () => {
    getAnswers({ id: OTHER, lifecycleState: "SUCCEEDED" });
    const e = await rejection(client().getQueryExecution(PROJECT, EXEC));
    expect(e.kind).toBe("Malformed");
    expect(e.details.retryable).toBe(false);
    expect(e.message).toContain(`the body is about execution "${OTHER}", not the "${EXEC}" asked for`);
    expect(e.message).toMatch(/nothing was decided on it/);
  });

  test("refuses an answer that names another project as Malformed naming both projects", async () => {
    getAnswers({ id: EXEC, projectId: "ocid1.queryserviceproject.oc1.iad.p2", lifecycleState: "IN_PROGRESS" });
    const e = await rejection(client().getQueryExecution(PROJECT, EXEC));
    expect(e.kind).toBe("Malformed");
    expect(e.message).toContain(`the body is about project "ocid1.queryserviceproject.oc1.iad.p2", not the "${PROJECT}" asked for`);
  });

  test("accepts the execution asked for, with or without its projectId", async () => {
    getAnswers({ id: EXEC, projectId: PROJECT, lifecycleState: "IN_PROGRESS" });
    await expect(client().getQueryExecution(PROJECT, EXEC)).resolves.toMatchObject({ execution: { id: EXEC } });
    getAnswers({ id: EXEC, lifecycleState: "IN_PROGRESS" });
    await expect(client().getQueryExecution(PROJECT, EXEC)).resolves.toMatchObject({ execution: { id: EXEC } });
  });
});

describe("a cancellation against a service that answers about another execution", () => {
  const inputs = (): CancellationInputs => {
    const { inputs, failures } = normaliseInputs({ projectId: PROJECT, queryExecutionId: EXEC });
    expect(failures).toEqual([]);
    return inputs;
  };
  const deps = (): CancelDeps => ({ service: client(), log: () => undefined, now: () => 0, sleep: async () => undefined });

  test.each(["SUCCEEDED", "CANCELING"])("records nothing and sends no cancel when the other one is %s", async (state) => {
    getAnswers({ id: OTHER, lifecycleState: state });
    const e = await rejection(cancelExecution(deps(), inputs()));
    expect(e.kind).toBe("Malformed");
    expect(requests.map((r) => r.method)).toEqual(["GET"]);
  });
});

describe("listQueryExecutions", () => {
  test("keeps only the items of the project asked for", async () => {
    answer = () => ({
      status: 200,
      body: {
        items: [
          { id: "mine", projectId: PROJECT, lifecycleState: "IN_PROGRESS" },
          { id: "theirs", projectId: "ocid1.queryserviceproject.oc1.iad.p2", lifecycleState: "IN_PROGRESS" },
          { id: "no-project-given", lifecycleState: "IN_PROGRESS" },
        ],
      },
    });
    expect(await drain(client().listQueryExecutions(PROJECT))).toEqual(["mine", "no-project-given"]);
  });

  test("stops a listing that pages for ever at maxListPages, naming the limit", async () => {
    answer = (_req, n) => ({ status: 200, body: { items: [{ id: `e${n}`, lifecycleState: "IN_PROGRESS" }] }, headers: { "opc-next-page": `p${n}` } });
    const ids: string[] = [];
    const e = await rejection(
      (async () => {
        for await (const item of client({ maxListPages: 5 }).listQueryExecutions(PROJECT)) ids.push(item.id);
      })(),
    );
    expect(e.details.code).toBe("TooManyPages");
    expect(e.message).toMatch(/read 5 pages \(maxListPages\) and the service still sends opc-next-page/);
    expect(e.message).toMatch(/narrow the listing/);
    expect(requests).toHaveLength(5);
    expect(ids).toEqual(["e1", "e2", "e3", "e4", "e5"]);
  });

  test("follows at most 1000 pages by default", async () => {
    expect(DEFAULT_MAX_LIST_PAGES).toBe(1000);
    answer = (_req, n) => ({ status: 200, body: { items: [] }, headers: { "opc-next-page": `p${n}` } });
    const e = await rejection(drain(client().listQueryExecutions(PROJECT)));
    expect(e.details.code).toBe("TooManyPages");
    expect(requests).toHaveLength(1000);
  }, 120_000);

  test("follows a listing of exactly maxListPages pages to its end", async () => {
    answer = (_req, n) => ({ status: 200, body: { items: [] }, headers: n < 3 ? { "opc-next-page": `p${n}` } : undefined });
    await drain(client({ maxListPages: 3 }).listQueryExecutions(PROJECT));
    expect(requests).toHaveLength(3);
  });

  test("refuses a maxListPages that is not a whole number of pages", () => {
    expect(() => client({ maxListPages: 0 })).toThrow(ConfigurationError);
    expect(() => client({ maxListPages: 1.5 })).toThrow(/maxListPages: a whole number of pages >= 1 expected; got 1.5/);
  });
});
