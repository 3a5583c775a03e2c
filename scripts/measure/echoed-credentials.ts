// Issue 12, item 2: what reaches an error and the log when the service echoes the request.
// A local server answers 401 with the request's authorization header as its code, message and
// opc-request-id; a second case sends a 5 MB code. For each view of the error (message,
// String, JSON.stringify, util.inspect, the logger's lines) it prints whether the signature or
// the keyId appears, and how long each view is.
//
//   npm run build --silent && node dist/scripts/measure/echoed-credentials.js

import { inspect } from "node:util";
import { QueryServiceClient } from "../../provider/client/query-service-client.js";
import type { ClientLogLine } from "../../provider/client/types.js";
import { localServer, throwawayCredentials } from "./common.js";

async function run(what: string, answer: (authorization: string) => { code: string; message: string; requestId: string }): Promise<void> {
  let authorization = "";
  const srv = await localServer((req, res) => {
    authorization = String(req.headers.authorization);
    const { code, message, requestId } = answer(authorization);
    // Header values may not hold every character; the echo keeps the printable ones.
    res.writeHead(401, { "content-type": "application/json", "opc-request-id": requestId.replace(/[^\x20-\x7e]/g, "") });
    res.end(JSON.stringify({ code, message }));
  });
  const lines: ClientLogLine[] = [];
  const client = new QueryServiceClient({ endpoint: srv.url, credentials: throwawayCredentials(), logger: (l) => lines.push(l) });
  const error = (await client.getQueryExecution("p", "x").then(
    () => new Error("no error"),
    (e: unknown) => e,
  )) as Error;
  client.close();
  await srv.close();
  const signature = /signature="([^"]+)"/.exec(authorization)?.[1] ?? "(none)";
  const keyId = /keyId="([^"]+)"/.exec(authorization)?.[1] ?? "(none)";
  const views: Record<string, string> = {
    "error.message": error.message,
    "String(error)": String(error),
    "JSON.stringify(error)": JSON.stringify(error),
    "util.inspect(error)": inspect(error, { depth: 10 }),
    "logger lines": JSON.stringify(lines),
  };
  console.log(`\n${what}`);
  for (const [name, text] of Object.entries(views)) {
    const leaks = [text.includes(signature) ? "signature" : "", text.includes(keyId) ? "keyId" : ""].filter(Boolean).join("+") || "nothing";
    console.log(`  ${name.padEnd(22)} ${String(text.length).padStart(9)} characters, carries: ${leaks}`);
  }
}

async function main(): Promise<void> {
  await run("401 echoing the authorization header in code, message and opc-request-id:", (a) => ({
    code: a.slice(0, 255),
    message: `Rejected: ${a}`,
    requestId: a,
  }));
  await run("401 with a 5 MB code:", () => ({ code: "X".repeat(5_000_000), message: "m", requestId: "r" }));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
