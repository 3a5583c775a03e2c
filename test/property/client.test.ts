// Properties of the Query Service client against a hostile server: any status, any headers, any
// body, cut connections and silence. Every call ends, within its budget, in a valid result or a
// QueryServiceError whose message says what happened; never another error, never a hang.

import { generateKeyPairSync } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import fc from "fast-check";
import { QueryServiceError } from "../../provider/client/errors";
import { QueryServiceClient } from "../../provider/client/query-service-client";

const SEED = 4242;
const BUDGET_MS = 2000;
const ATTEMPT_TIMEOUT_MS = 500;
const MAX_ATTEMPTS = 4;
// The budget, one attempt that started just before it ran out, and room for a slow CI machine.
const DEADLINE_MS = BUDGET_MS + ATTEMPT_TIMEOUT_MS + 1500;

/** How the server treats one request. */
interface Reply {
  transport: "answer" | "destroy-before-headers" | "truncate-body" | "silence";
  status: number;
  headers: Record<string, string>;
  body: string;
}

const execution = fc.record({
  id: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.integer()),
  lifecycleState: fc.oneof(fc.constantFrom("IN_PROGRESS", "CANCELING", "CANCELED", "SUCCEEDED", "NEW_STATE"), fc.integer(), fc.constant(null)),
  name: fc.string({ maxLength: 10 }),
});
const validExecution = JSON.stringify({ id: "ocid1.queryexecution..q", lifecycleState: "IN_PROGRESS", name: "q" });

const body = fc.oneof(
  fc.constant(validExecution),
  execution.map((e) => JSON.stringify(e)),
  fc.array(execution, { maxLength: 3 }).map((items) => JSON.stringify({ items })),
  fc.json({ maxDepth: 2 }),
  fc.constant(validExecution.slice(0, 17)), // truncated JSON
  fc.constant("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"),
  fc.constant(""),
  fc.constant("null"),
  fc.constant('{"code":"NotAuthorizedOrNotFound","message":"Authorization failed or requested resource not found."}'),
  fc.constant('{"code":"IncorrectState","message":"busy"}'),
  fc.constant('{"code":42,"message":{"nested":true}}'),
  fc.constant(`{"items":[],"pad":"${"x".repeat(2_000_000)}"}`), // huge
  fc.string({ unit: "binary", maxLength: 200 }),
);

const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const retryAfter = fc.oneof(
  fc.constantFrom(
    "0",
    "1",
    "0.2",
    "-1",
    "1e3",
    "NaN",
    "soon",
    "999999",
    "0x10",
    "1.5.2",
    " 1 ",
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
  ),
  headerText,
);

const headers = fc.record(
  {
    etag: fc.oneof(fc.constantFrom("", "e1", '"quoted"', 'W/"weak"'), headerText),
    "retry-after": retryAfter,
    "opc-request-id": headerText,
    "opc-next-page": fc.oneof(fc.constantFrom("p2", "p2", "p3"), headerText),
    location: fc.constantFrom("https://user:secret@elsewhere.example/path?token=1", "/relative", "::not a url::"),
    "content-type": fc.constantFrom("application/json", "text/html", "text/plain; charset=latin1"),
  },
  { requiredKeys: [] },
);

const hostileReply: fc.Arbitrary<Reply> = fc.record({
  transport: fc.oneof(
    { weight: 16, arbitrary: fc.constant("answer" as const) },
    { weight: 2, arbitrary: fc.constant("destroy-before-headers" as const) },
    { weight: 2, arbitrary: fc.constant("truncate-body" as const) },
    { weight: 1, arbitrary: fc.constant("silence" as const) },
  ),
  status: fc.oneof(
    fc.constantFrom(200, 202, 204, 301, 302, 400, 401, 403, 404, 409, 412, 429, 500, 501, 502, 503, 504),
    fc.integer({ min: 100, max: 599 }).filter((s) => s !== 101 && s >= 200),
  ),
  headers,
  body,
});

// A well-formed answer now and then, so calls also get to succeed after hostile attempts.
const goodReply: fc.Arbitrary<Reply> = fc.constantFrom<Reply>(
  { transport: "answer", status: 200, headers: { etag: "e1", "opc-request-id": "r1" }, body: validExecution },
  { transport: "answer", status: 202, headers: { "opc-request-id": "r2" }, body: "" },
  { transport: "answer", status: 200, headers: { "opc-request-id": "r3" }, body: JSON.stringify({ items: [JSON.parse(validExecution)] }) },
);

const reply = fc.oneof({ weight: 3, arbitrary: hostileReply }, { weight: 1, arbitrary: goodReply });

// The server answers request n with script[n]; once the script runs out, with its last entry.
let script: Reply[] = [];
let seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders }> = [];
let server: http.Server;
let endpoint: string;
const sockets = new Set<Socket>();
let privateKey: string;

function serve(req: http.IncomingMessage, res: http.ServerResponse): void {
  const r = script[Math.min(seen.length, script.length - 1)]!;
  seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
  req.resume();
  req.on("end", () => {
    switch (r.transport) {
      case "silence":
        return; // the client's attempt timeout has to end this
      case "destroy-before-headers":
        req.socket.destroy();
        return;
      case "truncate-body": {
        res.writeHead(r.status, { ...r.headers, "content-length": String(Buffer.byteLength(r.body) + 100) });
        res.write(r.body.slice(0, Math.floor(r.body.length / 2)));
        setImmediate(() => req.socket.destroy());
        return;
      }
      case "answer":
        res.writeHead(r.status, r.headers);
        res.end(r.status === 204 || r.status === 304 ? undefined : r.body);
    }
  });
}

beforeAll(async () => {
  privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  server = http.createServer(serve);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function newClient(): QueryServiceClient {
  return new QueryServiceClient({
    endpoint,
    credentials: { tenancy: "ocid1.tenancy.oc1..t", user: "ocid1.user.oc1..u", fingerprint: "aa:bb", privateKey },
    retry: { maxAttempts: MAX_ATTEMPTS, baseDelayMs: 10, maxDelayMs: 100, totalBudgetMs: BUDGET_MS },
    attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
  });
}

type Operation = "get" | "cancel" | "list";

/** Runs one call; returns what it ended in and how long it took. */
async function call(client: QueryServiceClient, operation: Operation): Promise<{ value?: unknown; error?: unknown; ms: number }> {
  const started = performance.now();
  try {
    let value: unknown;
    if (operation === "get") value = await client.getQueryExecution("ocid1.project..p", "ocid1.queryexecution..q");
    else if (operation === "cancel")
      value = await client.cancelQueryExecution("ocid1.project..p", "ocid1.queryexecution..q", { ifMatch: "e1", retryToken: "token-1" });
    else {
      const items: unknown[] = [];
      // A server may paginate for ever; a consumer stops, and so does this one after 5 pages' worth.
      for await (const item of client.listQueryExecutions("ocid1.project..p", { limit: 3 })) {
        items.push(item);
        if (items.length >= 15) break;
      }
      value = items;
    }
    return { value, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

function expectValidResult(operation: Operation, value: unknown): void {
  if (operation === "get") {
    const v = value as { execution: { id: unknown; lifecycleState: unknown }; etag: unknown };
    expect(typeof v.execution.id).toBe("string");
    expect(typeof v.execution.lifecycleState).toBe("string");
    expect(typeof v.etag).toBe("string");
    expect((v.etag as string).length).toBeGreaterThan(0);
  } else if (operation === "cancel") {
    const v = value as { opcRequestId: unknown; attempts: unknown };
    expect(typeof v.opcRequestId).toBe("string");
    expect(v.attempts).toBeGreaterThanOrEqual(1);
  } else {
    for (const item of value as Array<{ id: unknown; lifecycleState: unknown }>) {
      expect(typeof item.id).toBe("string");
      expect(typeof item.lifecycleState).toBe("string");
    }
  }
}

function expectClearError(error: unknown, operationName: string): void {
  if (!(error instanceof QueryServiceError)) throw new Error(`expected a QueryServiceError; got ${String((error as Error)?.stack ?? error)}`);
  expect(error.details.operation).toBe(operationName);
  expect(error.message).toMatch(new RegExp(`^${operationName} failed: .+ \\(\\w+ /\\S+, .+, \\d+ attempts?\\)\\. \\S`));
  expect(error.details.nextStep.length).toBeGreaterThan(10);
  // Nothing of a credential or a redirect's userinfo/query leaks into what users see.
  expect(error.message).not.toMatch(/user:secret|keyId=|Signature version|token=1/);
}

const OPERATION_NAMES: Record<Operation, string> = { get: "GetQueryExecution", cancel: "CancelQueryExecution", list: "ListQueryExecutions" };

describe("QueryServiceClient against a hostile server", () => {
  let client: QueryServiceClient;
  beforeAll(() => {
    client = newClient();
  });
  afterAll(() => client.close());

  test("ends every call in a valid result or a clear QueryServiceError within its budget", async () => {
    const ended = { results: 0, errors: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(reply, { minLength: 1, maxLength: MAX_ATTEMPTS + 1 }),
        fc.constantFrom<Operation>("get", "cancel", "list"),
        async (replies, operation) => {
          script = replies;
          seen = [];
          const outcome = await call(client, operation);
          expect(outcome.ms).toBeLessThan(DEADLINE_MS);
          if ("error" in outcome && outcome.error !== undefined) {
            expectClearError(outcome.error, OPERATION_NAMES[operation]);
            ended.errors += 1;
          } else {
            expectValidResult(operation, outcome.value);
            ended.results += 1;
          }
          if (operation !== "list") expect(seen.length).toBeLessThanOrEqual(MAX_ATTEMPTS);
          if (operation === "cancel") {
            // One logical cancel: the same retry token and if-match on every attempt.
            expect(new Set(seen.map((s) => s.headers["opc-retry-token"]))).toEqual(new Set(["token-1"]));
            expect(new Set(seen.map((s) => s.headers["if-match"]))).toEqual(new Set(["e1"]));
          }
        },
      ),
      { seed: SEED, numRuns: 120, interruptAfterTimeLimit: 20_000 },
    );
    // Both ends were exercised (the seed is fixed, so this does not flap).
    expect(ended.results).toBeGreaterThan(10);
    expect(ended.errors).toBeGreaterThan(10);
  });

  test("gives up on a Retry-After beyond the budget instead of waiting for it", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 3, max: 100_000 }), fc.constantFrom(429, 503), async (seconds, status) => {
        script = [{ transport: "answer", status, headers: { "retry-after": String(seconds) }, body: "" }];
        seen = [];
        const outcome = await call(client, "get");
        expect(outcome.ms).toBeLessThan(1000);
        expectClearError(outcome.error, "GetQueryExecution");
        expect(seen).toHaveLength(1);
      }),
      { seed: SEED + 1, numRuns: 20 },
    );
  });
});
