// The client against a tiny node:http server that records what it received and checks each
// signature with http-signature, independently of oci-common.

import { createHash, generateKeyPairSync } from "node:crypto";
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import httpSignature from "http-signature";
import { generate } from "selfsigned";
import { ConfigurationError, InvalidArgumentError, QueryServiceError } from "../../provider/client/errors";
import { QueryServiceClient } from "../../provider/client/query-service-client";
import type { ClientLogLine, QueryServiceClientOptions } from "../../provider/client/types";
import { rejection as rejectionOf } from "../helpers/rejection";

const PROJECT = "ocid1.queryserviceproject.oc1.iad.p1";
const EXEC = "ocid1.queryexecution.oc1.iad.e1";
const EXEC_PATH = `/20210831/projects/${PROJECT}/queryExecutions/${EXEC}`;
const CANCEL_PATH = `${EXEC_PATH}/actions/cancel`;
const EMPTY_SHA256 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

// Generated per run; never written to the repository.
const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
const privateKey = keys.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const publicKey = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
const keyLine = privateKey.split("\n")[1] ?? "";
const credentials = { tenancy: "ocid1.tenancy.oc1..t", user: "ocid1.user.oc1..u", fingerprint: "12:34", privateKey };

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** undefined when the signature checks out; otherwise what is wrong with it. */
  signatureProblem?: string;
}

type Reply = (req: IncomingMessage, res: ServerResponse) => void;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (_req, res) => {
    res.writeHead(status, { "content-type": "application/json", "opc-request-id": `srv-${status}`, ...headers });
    res.end(body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body));
  };
}
const serviceError = (status: number, code: string, message = `${code} happened`, headers: Record<string, string> = {}) =>
  json(status, { code, message }, headers);
const execution = (state = "IN_PROGRESS", etag = "etag-1") =>
  json(200, { id: EXEC, lifecycleState: state, name: "q", timeCreated: "2026-11-05T10:00:00Z", extra: { kept: true } }, { etag });
const accepted = json(202, undefined);
const hang: Reply = () => undefined;
const drop: Reply = (req) => req.socket.destroy();

function checkSignature(req: IncomingMessage, body: string): string | undefined {
  try {
    // The types say ClientRequest; the library reads a server-side request (method, url, headers).
    const parsed = httpSignature.parseRequest(req as never, { clockSkew: 300 });
    if (!httpSignature.verifySignature(parsed, publicKey)) return "signature does not verify";
    const signed: string[] = parsed.params.headers;
    const required = ["x-date", "(request-target)", "host"];
    if (req.method === "POST") {
      required.push("content-type", "content-length", "x-content-sha256");
      if (req.headers["x-content-sha256"] !== createHash("sha256").update(body).digest("base64")) return "x-content-sha256 is not the body's";
      if (req.headers["content-length"] !== String(Buffer.byteLength(body))) return "content-length is not the body's";
    }
    const missing = required.filter((h) => !signed.includes(h));
    return missing.length > 0 ? `unsigned: ${missing.join(", ")}` : undefined;
  } catch (e) {
    return String(e);
  }
}

let server: Server;
let baseUrl: string;
let seen: Seen[];
let replies: Reply[];
let connections: number;
let clients: QueryServiceClient[];

function listen(s: Server): Promise<string> {
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(`127.0.0.1:${(s.address() as AddressInfo).port}`)));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body, signatureProblem: checkSignature(req, body) });
    const reply = replies.shift() ?? serviceError(599, "NoReplyQueued");
    reply(req, res);
  });
}

beforeEach(async () => {
  seen = [];
  replies = [];
  connections = 0;
  clients = [];
  server = createHttpServer(handle);
  server.on("connection", () => connections++);
  baseUrl = `http://${await listen(server)}`;
});

afterEach(async () => {
  for (const c of clients) c.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function setUp(options: Partial<QueryServiceClientOptions> = {}) {
  const sleeps: number[] = [];
  const lines: ClientLogLine[] = [];
  const client = new QueryServiceClient({
    endpoint: baseUrl,
    credentials,
    attemptTimeoutMs: 5000,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    logger: (line) => lines.push(line),
    ...options,
  });
  clients.push(client);
  return { client, sleeps, lines };
}

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, QueryServiceError);

describe("getQueryExecution", () => {
  test("returns the execution, its etag and the service's request id, keeping unknown fields", async () => {
    replies.push(execution("IN_PROGRESS", '"etag-7"'));
    const { client } = setUp();
    const result = await client.getQueryExecution(PROJECT, EXEC);
    expect(result).toEqual({
      execution: expect.objectContaining({ id: EXEC, lifecycleState: "IN_PROGRESS", extra: { kept: true } }),
      etag: '"etag-7"',
      opcRequestId: "srv-200",
    });
  });

  test("sends a signed GET with accept, user-agent and a fresh opc-request-id", async () => {
    replies.push(execution());
    const { client } = setUp();
    await client.getQueryExecution(PROJECT, EXEC);
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req).toMatchObject({ method: "GET", url: EXEC_PATH, signatureProblem: undefined });
    expect(req?.headers.accept).toBe("application/json");
    expect(req?.headers["user-agent"]).toMatch(/^pulumi-oci-query-execution-cancellation\/\d+\.\d+\.\d+ \(Node\.js v\d+/);
    expect(req?.headers["opc-request-id"]).toMatch(/^[A-Za-z0-9-]{16,}$/);
    expect(req?.headers.authorization).toContain(`keyId="${credentials.tenancy}/${credentials.user}/${credentials.fingerprint}"`);
  });

  test("percent-encodes path segments and the signature covers them", async () => {
    replies.push(json(200, { id: "e?1#", lifecycleState: "SUCCEEDED" }, { etag: "e" }));
    const { client } = setUp();
    await client.getQueryExecution("p/1 x", "e?1#");
    expect(seen[0]?.url).toBe("/20210831/projects/p%2F1%20x/queryExecutions/e%3F1%23");
    expect(seen[0]?.signatureProblem).toBeUndefined();
  });

  test("is checked by a server that rejects another key's signature", async () => {
    replies.push(execution());
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    const { client } = setUp({ credentials: { ...credentials, privateKey: other } });
    await client.getQueryExecution(PROJECT, EXEC);
    expect(seen[0]?.signatureProblem).toBe("signature does not verify");
  });

  test("keeps a path prefix of the endpoint", async () => {
    replies.push(execution());
    const { client } = setUp({ endpoint: `${baseUrl}/gateway/qs/` });
    await client.getQueryExecution(PROJECT, EXEC);
    expect(seen[0]?.url).toBe(`/gateway/qs${EXEC_PATH}`);
    expect(seen[0]?.signatureProblem).toBeUndefined();
  });

  test("reuses one kept-alive connection for consecutive requests", async () => {
    replies.push(execution(), execution());
    const { client } = setUp();
    await client.getQueryExecution(PROJECT, EXEC);
    await client.getQueryExecution(PROJECT, EXEC);
    expect(connections).toBe(1);
  });

  test.each([
    ["a 204", json(204, undefined, { etag: "e" }), /"GetQueryExecution answers 200; got 204 with application\/json"/],
    ["a 202", json(202, { id: EXEC, lifecycleState: "IN_PROGRESS" }, { etag: "e" }), /"GetQueryExecution answers 200; got 202 with application\/json"/],
  ])("fails as Malformed on %s, which is not the documented 200", async (_what, reply, message) => {
    replies.push(reply);
    const { client } = setUp();
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(e.details).toMatchObject({ kind: "Malformed", code: "UnexpectedStatus", retryable: false, attempts: 1 });
    expect(e.message).toMatch(message);
  });

  test.each([
    ["no etag header", json(200, { id: EXEC, lifecycleState: "IN_PROGRESS" }), /no etag header/],
    ["a body that is not JSON", json(200, "<html>hello</html>", { etag: "e" }), /the body is not a JSON object/],
    ["a JSON array", json(200, [], { etag: "e" }), /the body is not a JSON object/],
    ["no lifecycleState", json(200, { id: EXEC }, { etag: "e" }), /the body has no string lifecycleState/],
    ["a numeric id", json(200, { id: 7, lifecycleState: "FAILED" }, { etag: "e" }), /the body has no string id/],
  ])("fails as Malformed on %s, without retrying", async (_what, reply, message) => {
    replies.push(reply);
    const { client } = setUp();
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(e.kind).toBe("Malformed");
    expect(e.details).toMatchObject({ status: 200, code: "MalformedResponse", retryable: false, attempts: 1 });
    expect(e.message).toMatch(message);
    expect(seen).toHaveLength(1);
  });
});

describe("response size", () => {
  const limit = 256 * 1024;
  let written: number;
  beforeEach(() => {
    written = 0;
  });
  /** A 200 whose body never ends: the server writes until the client hangs up. */
  const endless: Reply = (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", etag: "e", "opc-request-id": "srv-endless" });
    const piece = Buffer.alloc(16 * 1024, "a");
    const pump = () => {
      while (!res.destroyed && written < 64 * 1024 * 1024) {
        written += piece.length;
        if (!res.write(piece)) return void res.once("drain", pump);
      }
    };
    pump();
  };

  test("stops reading a body past maxResponseBytes and fails as Malformed without retrying", async () => {
    replies.push(endless, execution());
    const { client } = setUp({ maxResponseBytes: limit });
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(e.details).toMatchObject({ kind: "Malformed", status: 200, code: "ResponseTooLarge", retryable: false, attempts: 1, opcRequestId: "srv-endless" });
    expect(e.message).toContain(`larger than ${limit} bytes (maxResponseBytes)`);
    expect(seen).toHaveLength(1);
    // The server stops once the client hangs up: far less than the 64 MiB it would send.
    expect(written).toBeLessThan(16 * 1024 * 1024);
  });

  test("refuses a body whose content-length is over the limit without waiting for it", async () => {
    // Declares 1 MiB more than the limit, sends nothing of it, and keeps the connection open.
    replies.push((_req, res) => {
      res.writeHead(503, { "content-type": "application/json", "content-length": String(limit + 1024 * 1024) });
      res.flushHeaders();
    });
    const { client } = setUp({ maxResponseBytes: limit, attemptTimeoutMs: 10_000, retry: { maxAttempts: 1 } });
    const e = await rejection(client.cancelQueryExecution(PROJECT, EXEC, { retryToken: "t" }));
    expect(e.details).toMatchObject({ kind: "Malformed", status: 503, code: "ResponseTooLarge", retryable: false, attempts: 1 });
  });

  test("reads a body of exactly maxResponseBytes", async () => {
    const head = JSON.stringify({ id: EXEC, lifecycleState: "IN_PROGRESS", pad: "" });
    replies.push(json(200, head.replace('"pad":""', `"pad":"${"a".repeat(limit - head.length)}"`), { etag: "e" }));
    const { client } = setUp({ maxResponseBytes: limit });
    await expect(client.getQueryExecution(PROJECT, EXEC)).resolves.toMatchObject({ etag: "e", execution: { id: EXEC } });
  });

  test("refuses a maxResponseBytes that is not a whole number of bytes", () => {
    expect(() => new QueryServiceClient({ endpoint: baseUrl, credentials, maxResponseBytes: 0 })).toThrow(
      expect.objectContaining({ setting: "maxResponseBytes" }),
    );
  });
});

describe("retries", () => {
  test.each([
    [429, "TooManyRequests"],
    [500, "InternalServerError"],
    [502, "BadGateway"],
    [503, "ServiceUnavailable"],
    [504, "GatewayTimeout"],
    [409, "IncorrectState"],
  ])("retries %i %s, then succeeds", async (status, code) => {
    replies.push(serviceError(status, code), execution());
    const { client, sleeps } = setUp();
    const result = await client.getQueryExecution(PROJECT, EXEC);
    expect(result.etag).toBe("etag-1");
    expect(seen).toHaveLength(2);
    expect(sleeps).toEqual([500]);
  });

  test("retries a dropped connection, then succeeds", async () => {
    replies.push(drop, execution());
    const { client } = setUp();
    await expect(client.getQueryExecution(PROJECT, EXEC)).resolves.toMatchObject({ etag: "etag-1" });
    expect(seen).toHaveLength(2);
  });

  test("retries an attempt that times out, then succeeds", async () => {
    replies.push(hang, execution());
    const { client } = setUp({ attemptTimeoutMs: 150 });
    await expect(client.getQueryExecution(PROJECT, EXEC)).resolves.toMatchObject({ etag: "etag-1" });
    expect(seen).toHaveLength(2);
  });

  test("fails as Timeout when every attempt times out", async () => {
    replies.push(hang, hang);
    const { client } = setUp({ attemptTimeoutMs: 100, retry: { maxAttempts: 2 } });
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(e.details).toMatchObject({ kind: "Timeout", code: "Timeout", status: undefined, attempts: 2, opcRequestId: "", retryable: true });
    expect(e.message).toContain("no answer within 100 ms");
    expect(e.cause).toEqual({ name: "TimeoutError", code: "ETIMEDOUT" });
  });

  test("waits with capped exponential backoff and gives up after maxAttempts", async () => {
    replies.push(...Array.from({ length: 5 }, () => serviceError(503, "ServiceUnavailable")));
    const { client, sleeps } = setUp({ random: () => 1, retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 500 } });
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(sleeps).toEqual([100, 200, 400, 500]);
    expect(seen).toHaveLength(5);
    expect(e.details).toMatchObject({ kind: "ServerError", status: 503, attempts: 5, retryable: true });
    expect(e.message).toContain("5 attempts");
  });

  test("honours Retry-After in seconds", async () => {
    replies.push(serviceError(429, "TooManyRequests", "slow down", { "retry-after": "3" }), execution());
    const { client, sleeps } = setUp();
    await client.getQueryExecution(PROJECT, EXEC);
    expect(sleeps).toEqual([4500]); // 3 s asked, plus random() = 0.5 of another 3 s
  });

  test("waits at least the first backoff step on a Retry-After of a millisecond", async () => {
    replies.push(serviceError(429, "TooManyRequests", "slow down", { "retry-after": "0.001" }), execution());
    const { client, sleeps } = setUp();
    await client.getQueryExecution(PROJECT, EXEC);
    expect(sleeps).toEqual([1500]); // 1 s, the first step, plus random() = 0.5 of it
  });

  test("stops at maxAttemptsWithRetryAfter while the service keeps sending Retry-After", async () => {
    replies.push(...Array.from({ length: 6 }, () => serviceError(429, "TooManyRequests", "slow down", { "retry-after": "0.001" })));
    const { client, lines } = setUp({ retry: { maxAttempts: 2, maxAttemptsWithRetryAfter: 4 } });
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(seen).toHaveLength(4);
    expect(e.details.attempts).toBe(4);
    expect(lines.at(-1)).toMatchObject({ event: "give-up", reason: "all 4 attempts used (maxAttemptsWithRetryAfter)" });
  });

  test("honours Retry-After as an HTTP-date", async () => {
    const at = new Date(Date.now() + 6000).toUTCString();
    replies.push(serviceError(503, "ServiceUnavailable", "busy", { "retry-after": at }), execution());
    const { client, sleeps } = setUp();
    await client.getQueryExecution(PROJECT, EXEC);
    expect(sleeps).toHaveLength(1);
    // About 6 s asked (less the time since the header was made), plus half as much again.
    expect(sleeps[0]).toBeGreaterThan(6000);
    expect(sleeps[0]).toBeLessThanOrEqual(9000);
  });

  test("reads an HTTP-date Retry-After against the wall clock it is given", async () => {
    const wallNow = Date.UTC(2031, 0, 2, 3, 4, 5);
    replies.push(serviceError(503, "ServiceUnavailable", "busy", { "retry-after": new Date(wallNow + 6000).toUTCString() }), execution());
    const { client, sleeps } = setUp({ wallClock: () => wallNow });
    await client.getQueryExecution(PROJECT, EXEC);
    // 6 s asked, plus half as much again (random pinned at 0.5).
    expect(sleeps).toEqual([9000]);
  });

  test("stops when Retry-After asks for more than the budget left", async () => {
    replies.push(serviceError(503, "ServiceUnavailable", "busy", { "retry-after": "600" }));
    const { client, sleeps, lines } = setUp({ retry: { totalBudgetMs: 10000 } });
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(e.details.attempts).toBe(1);
    expect(sleeps).toEqual([]);
    expect(lines.at(-1)).toMatchObject({ event: "give-up", reason: expect.stringMatching(/Retry-After asks for 600000 ms/) });
  });

  test("clips the last wait to the time budget and stops when it is spent", async () => {
    let clock = 0;
    replies.push(...Array.from({ length: 10 }, () => serviceError(500, "InternalServerError")));
    const { client, sleeps } = setUp({
      random: () => 1,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      retry: { maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 30000, totalBudgetMs: 5000 },
    });
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(sleeps).toEqual([1000, 2000, 2000]);
    expect(seen).toHaveLength(4);
    expect(e.details.attempts).toBe(4);
  });

  test.each([
    [400, "InvalidParameter", "Invalid"],
    [401, "NotAuthenticated", "NotAuthenticated"],
    [403, "NotAuthorized", "NotAuthorized"],
    [404, "NotAuthorizedOrNotFound", "NotFound"],
    [409, "Conflict", "Conflict"],
    [412, "NoEtagMatch", "EtagMismatch"],
    [501, "MethodNotImplemented", "NotImplemented"],
  ])("does not retry %i %s", async (status, code, kind) => {
    replies.push(serviceError(status, code), execution());
    const { client, sleeps } = setUp();
    const e = await rejection(client.cancelQueryExecution(PROJECT, EXEC, { retryToken: "tok-1" }));
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(e.details).toMatchObject({ kind, status, code, attempts: 1, retryable: false, serviceMessage: `${code} happened` });
  });

  test("does not follow a redirect", async () => {
    replies.push(json(302, "", { location: `${baseUrl}/elsewhere?sig=secret` }));
    const { client } = setUp();
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(seen.map((r) => r.url)).toEqual([EXEC_PATH]);
    expect(e.details).toMatchObject({ kind: "Malformed", status: 302, code: "Redirect", attempts: 1 });
    expect(e.message).toContain(`redirect to ${baseUrl}/elsewhere`);
    expect(e.message).not.toContain("secret");
    expect(e.details.nextStep).toMatch(/set endpoint to the URL that answers directly/);
  });

  test("reports a relative redirect without its query string", async () => {
    replies.push(json(307, "", { location: "/login?session=secret" }));
    const { client } = setUp();
    const e = await rejection(client.cancelQueryExecution(PROJECT, EXEC, { retryToken: "t" }));
    expect(e.details).toMatchObject({ status: 307, serviceMessage: "redirect to /login", retryable: false });
    expect(seen).toHaveLength(1);
  });

  test("logs one line per attempt and per retry or give-up decision", async () => {
    replies.push(serviceError(503, "ServiceUnavailable"), serviceError(404, "NotAuthorizedOrNotFound"));
    const { client, lines } = setUp();
    await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(lines).toEqual([
      expect.objectContaining({
        event: "attempt",
        operation: "GetQueryExecution",
        method: "GET",
        path: EXEC_PATH,
        attempt: 1,
        status: 503,
        code: "ServiceUnavailable",
        opcRequestId: "srv-503",
      }),
      {
        event: "retry",
        operation: "GetQueryExecution",
        attempt: 1,
        maxAttempts: 8,
        delayMs: 500,
        reason: "503 ServiceUnavailable",
        detail: "ServiceUnavailable happened",
      },
      expect.objectContaining({ event: "attempt", attempt: 2, status: 404 }),
      { event: "give-up", operation: "GetQueryExecution", attempt: 2, reason: "404 NotAuthorizedOrNotFound is not retried" },
    ]);
    expect(lines[0]).toHaveProperty("clientRequestId", seen[0]?.headers["opc-request-id"]);
    expect(JSON.stringify(lines)).not.toMatch(/authorization|Signature/i);
  });
});

describe("retryAfterGate", () => {
  /**
   * Call A gets a 429 with Retry-After: 3; while A waits, call B starts. Returns each sleep asked
   * for, in order, on a clock that only sleeps advance.
   */
  async function secondCallDuringFirstsWait(retryAfterGate: boolean): Promise<number[]> {
    replies.push(serviceError(429, "TooManyRequests", "slow down", { "retry-after": "3" }), execution(), execution());
    let clock = 0;
    const sleeps: number[] = [];
    let second: Promise<unknown> | undefined;
    const { client } = setUp({
      retryAfterGate,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        if (!second) {
          second = client.getQueryExecution(PROJECT, EXEC); // B starts while A waits
          await second;
        }
        clock += ms;
      },
    });
    await client.getQueryExecution(PROJECT, EXEC);
    await second;
    return sleeps;
  }

  test("off (the default): only the call that got the Retry-After waits", async () => {
    expect(await secondCallDuringFirstsWait(false)).toEqual([4500]);
  });

  test("on: a Retry-After received by one call holds every new attempt of the client until it has passed", async () => {
    expect(await secondCallDuringFirstsWait(true)).toEqual([4500, 3000]);
    expect(seen).toHaveLength(3);
  });
});

describe("cancelQueryExecution", () => {
  test("sends an empty signed POST with if-match and the retry token", async () => {
    replies.push(accepted);
    const { client } = setUp();
    const result = await client.cancelQueryExecution(PROJECT, EXEC, { ifMatch: "etag-1", retryToken: "tok-1" });
    expect(result).toEqual({ opcRequestId: "srv-202", attempts: 1 });
    const [req] = seen;
    expect(req).toMatchObject({ method: "POST", url: CANCEL_PATH, body: "", signatureProblem: undefined });
    expect(req?.headers).toMatchObject({
      "if-match": "etag-1",
      "opc-retry-token": "tok-1",
      "content-length": "0",
      "content-type": "application/json",
      "x-content-sha256": EMPTY_SHA256,
    });
  });

  test("does not take a proxy's 200 text/html for the documented 202, and does not retry it", async () => {
    replies.push(json(200, "<html>Welcome to the proxy</html>", { "content-type": "text/html" }), accepted);
    const { client } = setUp();
    const e = await rejection(client.cancelQueryExecution(PROJECT, EXEC, { retryToken: "tok-1" }));
    expect(e.details).toMatchObject({ kind: "Malformed", status: 200, code: "UnexpectedStatus", retryable: false, attempts: 1 });
    expect(e.message).toContain('"CancelQueryExecution answers 202; got 200 with text/html"');
    expect(e.details.nextStep).toMatch(/The cancel was not recorded; the next run looks at the execution again/);
    expect(seen).toHaveLength(1);
  });

  test("sends no if-match or token when none is given", async () => {
    replies.push(accepted);
    const { client } = setUp();
    await client.cancelQueryExecution(PROJECT, EXEC);
    expect(seen[0]?.headers).not.toHaveProperty("if-match");
    expect(seen[0]?.headers).not.toHaveProperty("opc-retry-token");
  });

  test("does not retry a POST without a retry token, and says the outcome is unknown", async () => {
    replies.push(serviceError(503, "ServiceUnavailable"), accepted);
    const { client, lines } = setUp();
    const e = await rejection(client.cancelQueryExecution(PROJECT, EXEC));
    expect(seen).toHaveLength(1);
    expect(e.details).toMatchObject({ kind: "ServerError", retryable: false, attempts: 1 });
    expect(e.details.nextStep).toMatch(/may or may not have taken effect/);
    expect(lines.at(-1)).toMatchObject({ event: "give-up", reason: "a POST without opc-retry-token is not retried" });
  });

  test("does not retry a dropped POST without a retry token", async () => {
    replies.push(drop, accepted);
    const { client } = setUp();
    const e = await rejection(client.cancelQueryExecution(PROJECT, EXEC));
    expect(seen).toHaveLength(1);
    expect(e.details).toMatchObject({ kind: "Network", status: undefined, retryable: false });
  });

  describe("with a fake clock", () => {
    beforeEach(() => {
      jest.useFakeTimers({
        now: Date.parse("2026-11-05T10:00:00Z"),
        doNotFake: [
          "hrtime",
          "nextTick",
          "performance",
          "queueMicrotask",
          "setImmediate",
          "clearImmediate",
          "setInterval",
          "clearInterval",
          "setTimeout",
          "clearTimeout",
        ],
      });
    });
    afterEach(() => jest.useRealTimers());

    test("re-signs every attempt and sends the same retry token each time", async () => {
      replies.push(serviceError(503, "ServiceUnavailable"), serviceError(503, "ServiceUnavailable"), accepted);
      const { client } = setUp({
        random: () => 1,
        sleep: async (ms) => {
          jest.setSystemTime(Date.now() + ms); // the backoff passes, so the x-date must move on
        },
      });
      const result = await client.cancelQueryExecution(PROJECT, EXEC, { retryToken: "tok-1" });
      expect(result.attempts).toBe(3);
      expect(seen.map((r) => r.headers["opc-retry-token"])).toEqual(["tok-1", "tok-1", "tok-1"]);
      expect(seen.map((r) => r.signatureProblem)).toEqual([undefined, undefined, undefined]);
      expect(seen.map((r) => r.headers["x-date"])).toEqual(["Thu, 05 Nov 2026 10:00:00 GMT", "Thu, 05 Nov 2026 10:00:01 GMT", "Thu, 05 Nov 2026 10:00:03 GMT"]);
      expect(new Set(seen.map((r) => r.headers.authorization)).size).toBe(3);
      expect(new Set(seen.map((r) => r.headers["opc-request-id"])).size).toBe(3);
    });
  });
});

describe("listQueryExecutions", () => {
  const item = (id: string) => ({ id, lifecycleState: "IN_PROGRESS", name: "nightly report" });

  test("follows opc-next-page across three pages with %20-encoded query strings", async () => {
    replies.push(
      json(200, { items: [item("a"), item("b")] }, { "opc-next-page": "tok 2/b" }),
      json(200, { items: [item("c"), item("d")] }, { "opc-next-page": "tok+3" }),
      json(200, { items: [item("e")], extra: 1 }),
    );
    const { client } = setUp();
    const ids: string[] = [];
    for await (const execution of client.listQueryExecutions(PROJECT, { name: "nightly report", lifecycleState: "IN_PROGRESS", limit: 2 })) {
      ids.push(execution.id);
    }
    expect(ids).toEqual(["a", "b", "c", "d", "e"]);
    const base = `/20210831/projects/${PROJECT}/queryExecutions?lifecycleState=IN_PROGRESS&limit=2&name=nightly%20report`;
    expect(seen.map((r) => r.url)).toEqual([
      `${base}&sortBy=timeCreated&sortOrder=DESC`,
      `${base}&page=tok%202%2Fb&sortBy=timeCreated&sortOrder=DESC`,
      `${base}&page=tok%2B3&sortBy=timeCreated&sortOrder=DESC`,
    ]);
    expect(seen.every((r) => r.signatureProblem === undefined)).toBe(true);
  });

  test("always sends limit, sortBy and sortOrder", async () => {
    replies.push(json(200, { items: [] }));
    const { client } = setUp();
    for await (const _ of client.listQueryExecutions(PROJECT, { sortOrder: "ASC", sortBy: "displayName" })) {
      // empty
    }
    expect(seen[0]?.url).toBe(`/20210831/projects/${PROJECT}/queryExecutions?limit=100&sortBy=displayName&sortOrder=ASC`);
  });

  test("checks the filters when called, before any request", () => {
    const { client } = setUp();
    expect(() => client.listQueryExecutions(PROJECT, { limit: 0 })).toThrow(InvalidArgumentError);
    expect(() => client.listQueryExecutions("", {})).toThrow(InvalidArgumentError);
    expect(seen).toHaveLength(0);
  });

  test("fails as Malformed when page tokens cycle instead of looping forever", async () => {
    replies.push(
      json(200, { items: [] }, { "opc-next-page": "a" }),
      json(200, { items: [] }, { "opc-next-page": "b" }),
      json(200, { items: [] }, { "opc-next-page": "a" }),
      json(200, { items: [] }),
    );
    const { client } = setUp();
    const drain = async () => {
      for await (const _ of client.listQueryExecutions(PROJECT)) {
        // drain
      }
    };
    const e = await rejection(drain());
    expect(e.kind).toBe("Malformed");
    expect(e.message).toMatch(/returns to a page already read/);
    expect(seen).toHaveLength(3);
  });

  test.each([
    ["a body without items", json(200, { data: [] }), /not an object with an items array/],
    ["an item without lifecycleState", json(200, { items: [{ id: "a" }] }), /items\[0\] has no string lifecycleState/],
    ["a page token that repeats", json(200, { items: [] }, { "opc-next-page": "p" }), /repeats the page just read/],
  ])("fails as Malformed on %s", async (_what, reply, message) => {
    replies.push(reply, reply);
    const { client } = setUp();
    const drain = async () => {
      for await (const _ of client.listQueryExecutions(PROJECT)) {
        // drain
      }
    };
    const e = await rejection(drain());
    expect(e.kind).toBe("Malformed");
    expect(e.message).toMatch(message);
  });
});

describe("arguments and configuration", () => {
  test("checks ids and the retry token before any request", async () => {
    const { client } = setUp();
    await expect(client.getQueryExecution(PROJECT, "a\nb")).rejects.toThrow(InvalidArgumentError);
    await expect(client.cancelQueryExecution("", EXEC)).rejects.toThrow(expect.objectContaining({ argument: "projectId" }));
    await expect(client.cancelQueryExecution(PROJECT, EXEC, { retryToken: "has space" })).rejects.toThrow(expect.objectContaining({ argument: "retryToken" }));
    expect(seen).toHaveLength(0);
  });

  test("refuses plain http to a host that is not loopback", () => {
    expect(() => new QueryServiceClient({ endpoint: "http://qs.example.com", credentials })).toThrow(ConfigurationError);
  });

  test("reads credentials on the first request, failing with the setting named and nothing sent", async () => {
    const client = new QueryServiceClient({ endpoint: baseUrl, configFile: "/nonexistent/oci/config" });
    clients.push(client);
    await expect(client.getQueryExecution(PROJECT, EXEC)).rejects.toMatchObject({ name: "ConfigurationError", setting: "configFile" });
    expect(seen).toHaveLength(0);
  });

  test("rejects an attempt timeout that is not positive", () => {
    expect(() => new QueryServiceClient({ endpoint: baseUrl, credentials, attemptTimeoutMs: 0 })).toThrow(
      expect.objectContaining({ setting: "attemptTimeoutMs" }),
    );
  });
});

describe("errors", () => {
  test("name status, code, message, opc-request-id, attempts and the next step", async () => {
    replies.push(
      json(
        404,
        { code: "NotAuthorizedOrNotFound", message: "Authorization failed or requested resource not found.", extra: 1 },
        { "opc-request-id": "A1B2/C3" },
      ),
    );
    const { client } = setUp();
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(e.message).toBe(
      `GetQueryExecution failed: 404 NotAuthorizedOrNotFound "Authorization failed or requested resource not found." ` +
        `(GET ${EXEC_PATH}, opc-request-id A1B2/C3, 1 attempt). ${e.details.nextStep}`,
    );
    expect(e.details.nextStep).toMatch(/Check projectId and queryExecutionId, and that an IAM policy/);
    expect(e.details.clientRequestId).toBe(seen[0]?.headers["opc-request-id"]);
  });

  test("never contain the authorization header or key material", async () => {
    replies.push(serviceError(401, "NotAuthenticated"));
    const { client } = setUp();
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    const authorization = String(seen[0]?.headers.authorization);
    const signature = /signature="([^"]+)"/.exec(authorization)?.[1] ?? "missing";
    const everything = [String(e), e.stack, JSON.stringify(e), JSON.stringify(e.details), inspect(e, { depth: 10, showHidden: true })].join("\n");
    for (const secret of [authorization, signature, keyLine, "BEGIN RSA"]) {
      expect(everything).not.toContain(secret);
    }
    expect(e.details.nextStep).toMatch(/fingerprint .* clock/);
  });

  /** A reply that puts the request's own authorization header wherever `place` says. */
  const echo =
    (place: (authorization: string) => { code: string; message: string; requestId: string; status?: number }): Reply =>
    (req, res) => {
      const { code, message, requestId, status = 401 } = place(String(req.headers.authorization));
      res.writeHead(status, { "content-type": "application/json", "opc-request-id": requestId });
      res.end(status === 202 ? "" : JSON.stringify({ code, message }));
    };
  const secretsOf = (authorization: string) => [authorization, /signature="([^"]+)"/.exec(authorization)![1]!, /keyId="([^"]+)"/.exec(authorization)![1]!];

  test("never carry a signature or keyId the service echoes in its code, message or opc-request-id", async () => {
    replies.push(echo((a) => ({ code: a.slice(0, 255), message: `Rejected ${a}`, requestId: a })));
    const { client, lines } = setUp();
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    const everything = [e.message, String(e), JSON.stringify(e), inspect(e, { depth: 10, showHidden: true }), JSON.stringify(lines)].join("\n");
    for (const secret of secretsOf(String(seen[0]?.headers.authorization))) expect(everything).not.toContain(secret);
    expect(e.details.serviceMessage).toMatch(/^Rejected Signature \[redacted\]/);
  });

  test("keep no echoed signature in the opc-request-id of an accepted cancel", async () => {
    replies.push(echo((a) => ({ code: "", message: "", requestId: `A1/${a}`, status: 202 })));
    const { client } = setUp();
    const result = await client.cancelQueryExecution(PROJECT, EXEC, { retryToken: "t" });
    for (const secret of secretsOf(String(seen[0]?.headers.authorization))) expect(result.opcRequestId).not.toContain(secret);
    expect(result.opcRequestId.length).toBeLessThanOrEqual(256);
  });

  test("bound a 5 MB code and message to the documented 255 and 1024 characters", async () => {
    replies.push(serviceError(500, "C".repeat(5_000_000), "M".repeat(5_000_000)));
    const { client, lines } = setUp({ retry: { maxAttempts: 1 } });
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(e.details.code).toBe(`${"C".repeat(255)}…`);
    expect(e.details.serviceMessage).toBe(`${"M".repeat(1024)}…`);
    expect(e.message.length).toBeLessThan(2000);
    expect(JSON.stringify(lines).length).toBeLessThan(3000);
  });

  test("report a service etag too long to send back as Malformed, not as a bad ifMatch", async () => {
    replies.push(execution("IN_PROGRESS", "e".repeat(300)));
    const { client } = setUp();
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(e.details).toMatchObject({ kind: "Malformed", status: 200, code: "MalformedResponse" });
    expect(e.message).toContain("the etag header cannot be sent back as if-match (1..255 characters expected; got 300)");
    expect(e.message).not.toContain("ifMatch");
  });

  test("report a 5 MB lifecycleState as Malformed, naming its length only", async () => {
    replies.push(json(200, { id: EXEC, lifecycleState: "S".repeat(5_000_000) }, { etag: "e" }));
    const { client } = setUp();
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(e.details.kind).toBe("Malformed");
    expect(e.message).toContain("the body.lifecycleState is 5000000 characters; 1..255 expected");
    expect(e.message.length).toBeLessThan(2000);
  });

  test("still give the status when an error body is not JSON", async () => {
    replies.push(json(400, "<html><body>Request   rejected by proxy</body></html>", { "content-type": "text/html" }));
    const { client } = setUp();
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(e.details).toMatchObject({ status: 400, code: "BadRequest", kind: "Invalid" });
    expect(e.message).toContain("Request rejected by proxy");
  });

  test("keep only the name and code of a network failure as the cause", async () => {
    const client = new QueryServiceClient({ endpoint: "http://127.0.0.1:1", credentials, retry: { maxAttempts: 1 } });
    clients.push(client);
    const e = await rejection(client.getQueryExecution(PROJECT, EXEC));
    expect(e.details).toMatchObject({ kind: "Network", code: "ECONNREFUSED", opcRequestId: "" });
    expect(e.cause).toEqual({ name: "RequestError", code: "ECONNREFUSED" });
    expect(e.message).toContain("client request id");
  });
});

describe("abort", () => {
  test("a signal ends a backoff wait", async () => {
    const controller = new AbortController();
    // Aborted once the first answer is out, so the client is in its 60-120 s wait: were the wait
    // not ended by the signal, the test would run into jest's timeout instead.
    replies.push((req, res) => {
      serviceError(503, "ServiceUnavailable", "busy", { "retry-after": "60" })(req, res);
      res.on("finish", () => setTimeout(() => controller.abort(), 20));
    });
    const { client } = setUp({ sleep: undefined });
    await expect(client.getQueryExecution(PROJECT, EXEC, { signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toHaveLength(1);
  });

  test("a signal ends a request in flight", async () => {
    replies.push(hang);
    const { client } = setUp();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(client.cancelQueryExecution(PROJECT, EXEC, { retryToken: "t", signal: controller.signal })).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("TLS", () => {
  test("verifies certificates and trusts the extra CAs given as ca", async () => {
    const pems = await generate([{ name: "commonName", value: "127.0.0.1" }], {
      keySize: 2048,
      extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
    });
    const tlsServer = createHttpsServer({ key: pems.private, cert: pems.cert }, handle);
    const endpoint = `https://${await listen(tlsServer)}`;
    try {
      replies.push(execution());
      const untrusting = setUp({ endpoint });
      const e = await rejection(untrusting.client.getQueryExecution(PROJECT, EXEC));
      expect(e.details).toMatchObject({ kind: "Network", attempts: 1, retryable: false });
      expect(e.details.nextStep).toMatch(/TLS certificate is not trusted/);
      expect(seen).toHaveLength(0);

      const trusting = setUp({ endpoint, ca: pems.cert });
      await expect(trusting.client.getQueryExecution(PROJECT, EXEC)).resolves.toMatchObject({ etag: "etag-1" });
      expect(seen[0]?.signatureProblem).toBeUndefined();
    } finally {
      for (const c of clients) c.close();
      tlsServer.closeAllConnections();
      await new Promise((resolve) => tlsServer.close(resolve));
    }
  });
});
