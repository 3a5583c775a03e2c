// Issue 12, item 10: the emulator's request log under load. It sends --requests requests (default
// 10 000), each with a --body-kb body (default 64), to an emulator in this process (auth off, an
// unknown path, so nothing but the log grows), then times one GET /_emulator/stats. Prints the
// RSS after the load and after the stats call, the time of the call and how many entries the log
// keeps.
//
//   npm run build --silent && node dist/scripts/measure/emulator-log.js

import * as http from "node:http";
import { startEmulator } from "../../emulator/index.js";
import { flag } from "./common.js";

function request(agent: http.Agent, url: URL, method: string, path: string, body: Buffer | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, agent, headers: body ? { "content-length": body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

async function main(): Promise<void> {
  const total = Number(flag("requests", "10000"));
  const body = Buffer.alloc(Number(flag("body-kb", "64")) * 1024, "b");
  const emu = await startEmulator({ auth: "off" });
  const url = new URL(emu.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      sent += 1;
      await request(agent, url, "POST", "/20210831/projects/p/queryExecutions/x/actions/nothing", body);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: 8 }, worker));
  const loadSeconds = (performance.now() - started) / 1000;
  global.gc?.();
  const afterLoad = process.memoryUsage().rss;
  let peak = afterLoad;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const statsStarted = performance.now();
  const stats = JSON.parse(await request(agent, url, "GET", "/_emulator/stats", undefined)) as { requests: number };
  const statsMs = performance.now() - statsStarted;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const kept = emu.requests().length;
  agent.destroy();
  await emu.close();
  console.log(
    [
      `requests sent:          ${total} x ${body.length / 1024} KiB bodies, in ${loadSeconds.toFixed(1)} s`,
      `RSS after the load:     ${mb(afterLoad)}`,
      `GET /_emulator/stats:   ${statsMs.toFixed(0)} ms, RSS up to ${mb(peak)} (stats.requests = ${stats.requests})`,
      `log entries kept:       ${kept}`,
    ].join("\n"),
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
