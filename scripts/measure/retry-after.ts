// Issue 12, item 3: how many attempts one call makes when every answer is 429 with a tiny
// Retry-After (--retry-after, default 0.001 seconds). The client runs with its production retry
// policy; its backoff waits are simulated (the clock it sees is real time plus the waits), so the
// figure is what 120 s of real throttling would give, in a fraction of the time.
//
//   npm run build --silent && node dist/scripts/measure/retry-after.js
//   npm run build --silent && node dist/scripts/measure/retry-after.js --retry-after 1

import { QueryServiceClient } from "../../provider/client/query-service-client.js";
import { flag, localServer, outcomeOf, throwawayCredentials } from "./common.js";

async function main(): Promise<void> {
  const retryAfter = flag("retry-after", "0.001");
  let requests = 0;
  const srv = await localServer((_req, res) => {
    requests += 1;
    res.writeHead(429, { "content-type": "application/json", "retry-after": retryAfter });
    res.end(JSON.stringify({ code: "TooManyRequests", message: "slow down" }));
  });
  let waited = 0;
  const client = new QueryServiceClient({
    endpoint: srv.url,
    credentials: throwawayCredentials(),
    now: () => performance.now() + waited,
    sleep: async (ms) => {
      waited += ms;
    },
  });
  const started = performance.now();
  const result = await client.getQueryExecution("p", "x").catch((e: unknown) => e);
  const real = (performance.now() - started) / 1000;
  client.close();
  await srv.close();
  console.log(
    [
      `Retry-After:        ${retryAfter} s on every answer`,
      `outcome:            ${outcomeOf(result)}`,
      `requests served:    ${requests}`,
      `time the call took: ${(real + waited / 1000).toFixed(1)} s (${(waited / 1000).toFixed(1)} s of it simulated backoff)`,
    ].join("\n"),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
