// The emulator as a separate process for the benchmark, behind a proxy that adds a fixed latency
// to every request (429s included), so the service's CPU and the client's do not share one event
// loop and every round trip costs what it would over a network. Driven over IPC by emulator-process.ts.

import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { startEmulator, type EmulatorStats, type RateLimitSpec } from "../../emulator/index.js";
import { verdict } from "../lib/verdict.js";

export type Command =
  | { cmd: "start"; latencyMs: number; cancelDelayMs?: number }
  | { cmd: "seed"; count: number }
  | { cmd: "reset" }
  | { cmd: "rateLimit"; spec: RateLimitSpec | null }
  | { cmd: "summary"; ids: string[] };

export interface StartAnswer {
  /** The proxy's URL: what clients use. */
  url: string;
  configFile: string;
  profile: string;
  tenancy: string;
  user: string;
  fingerprint: string;
  privateKeyPem: string;
}

/** The emulator's own counts, plus the exactly-once figures over the ids asked about. */
export interface Summary extends Pick<EmulatorStats, "requests" | "byOperation" | "byStatus" | "replays"> {
  /** Sum over the ids of max(0, effective cancels - 1). */
  duplicateEffectiveCancels: number;
  /** Ids never cancelled, or not CANCELING/CANCELED now. */
  lost: number;
}

async function main(): Promise<void> {
  let latencyMs = 0;
  const emu = await startEmulator({ cancelDelayMs: 60_000 });
  const creds = await emu.writeCredentials();
  const upstream = new URL(emu.url);
  const agent = new http.Agent({ keepAlive: true });
  const sockets = new Set<Socket>();

  const proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      setTimeout(() => {
        const forward = http.request(
          { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forward.on("error", () => req.socket.destroy());
        forward.end(Buffer.concat(chunks));
      }, latencyMs);
    });
  });
  proxy.keepAliveTimeout = 60_000;
  proxy.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  const handle = (command: Command): unknown => {
    switch (command.cmd) {
      case "start": {
        latencyMs = command.latencyMs;
        const answer: StartAnswer = {
          url,
          configFile: creds.configFile,
          profile: creds.profile,
          tenancy: creds.tenancy,
          user: creds.user,
          fingerprint: creds.fingerprint,
          privateKeyPem: creds.privateKeyPem,
        };
        return answer;
      }
      case "seed":
        return Array.from({ length: command.count }, () => emu.store.addExecution({ lifecycleState: "IN_PROGRESS" }));
      case "reset":
        emu.reset();
        return null;
      case "rateLimit":
        emu.faults.rateLimit(command.spec);
        return null;
      case "summary": {
        const stats = emu.stats();
        const { duplicates, lost } = verdict(
          emu,
          command.ids.map((id) => ({ projectId: emu.defaultProjectId, id })),
        );
        const summary: Summary = {
          requests: stats.requests,
          byOperation: stats.byOperation,
          byStatus: stats.byStatus,
          replays: stats.replays,
          duplicateEffectiveCancels: duplicates,
          lost: lost.length,
        };
        return summary;
      }
    }
  };

  process.on("message", (message: { id: number; command: Command }) => {
    try {
      process.send!({ id: message.id, ok: true, value: handle(message.command) });
    } catch (e) {
      process.send!({ id: message.id, ok: false, error: (e as Error).message });
    }
  });
  process.on("disconnect", () => {
    for (const s of sockets) s.destroy();
    proxy.close();
    void emu.close().then(() => process.exit(0));
  });
  process.send!({ id: 0, ok: true, value: "ready" });
}

main().catch((e: unknown) => {
  process.stderr.write(`emulator-child: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
