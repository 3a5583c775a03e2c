// Issue 12, item 1: what a huge answer does to the client. A local server answers
// GetQueryExecution with a 200 whose JSON body is --mb megabytes long (streamed, chunked, never
// held in the server's memory); the client reads it with its production settings except
// --attempts (default 2, to show whether it downloads the body again).
//
//   npm run build --silent && node dist/scripts/measure/response-body.js --mb 2000
//   npm run build --silent && node dist/scripts/measure/response-body.js --mb 600

import { QueryServiceClient } from "../../provider/client/query-service-client.js";
import { flag, localServer, outcomeOf, rssSampler, throwawayCredentials } from "./common.js";

async function main(): Promise<void> {
  const megabytes = Number(flag("mb", "2000"));
  const attempts = Number(flag("attempts", "2"));
  const total = Math.round(megabytes * 1e6);
  let requests = 0;
  let bytesSent = 0;
  const chunk = Buffer.alloc(64 * 1024, "a");
  const srv = await localServer((_req, res) => {
    requests += 1;
    res.writeHead(200, { "content-type": "application/json", etag: "e1", "opc-request-id": `big-${requests}` });
    const head = Buffer.from('{"id":"x","lifecycleState":"IN_PROGRESS","pad":"');
    res.write(head);
    let sent = head.length;
    bytesSent += head.length;
    const pump = () => {
      while (sent < total - 2) {
        const piece = sent + chunk.length > total - 2 ? chunk.subarray(0, total - 2 - sent) : chunk;
        sent += piece.length;
        bytesSent += piece.length;
        if (!res.write(piece)) return void res.once("drain", pump);
      }
      res.end('"}');
    };
    res.on("close", () => res.removeAllListeners("drain"));
    pump();
  });
  const client = new QueryServiceClient({
    endpoint: srv.url,
    credentials: throwawayCredentials(),
    retry: { maxAttempts: attempts },
    sleep: async () => undefined, // no backoff wait: the figure is about bytes and memory
  });
  const rss = rssSampler();
  const started = performance.now();
  const result = await client.getQueryExecution("p", "x").catch((e: unknown) => e);
  const seconds = (performance.now() - started) / 1000;
  const peak = rss.stop();
  client.close();
  await srv.close();
  console.log(
    [
      `body offered:     ${megabytes} MB`,
      `outcome:          ${outcomeOf(result)}`,
      `requests served:  ${requests}`,
      `bytes sent:       ${(bytesSent / 1e6).toFixed(1)} MB (the server stops when the client hangs up)`,
      `wall time:        ${seconds.toFixed(1)} s`,
      `peak RSS:         ${peak} MB`,
    ].join("\n"),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
