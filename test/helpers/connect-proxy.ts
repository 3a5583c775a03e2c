// A corporate proxy in miniature, on loopback: it answers HTTP CONNECT by opening a tunnel, and
// records what it was asked and every byte the client sent through it, so a test can check that it
// saw the CONNECT and nothing readable inside. Host names resolve only here (through `routes`), as
// only a corporate proxy resolves outside names; like a real one it cannot reach the client's own
// loopback (a CONNECT to 127.0.0.1 gets 502), and it never connects to anything but loopback.

import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import type { AddressInfo } from "node:net";

export interface ConnectProxyOptions {
  /** `host:port` asked for → the loopback `host:port` the tunnel really goes to; other targets get 502. */
  routes?: Record<string, string>;
  /** When set, CONNECT needs `Proxy-Authorization: Basic base64(this)`; otherwise 407. */
  credentials?: string;
  /** Speak TLS to clients with this key and certificate (an `https://` proxy). */
  tls?: { key: string; cert: string };
}

export interface ConnectProxy {
  /** `http://127.0.0.1:PORT`, or `https://…` with `tls`. */
  url: string;
  /** Every CONNECT, in order: its target and its Proxy-Authorization header. */
  connects: Array<{ target: string; proxyAuthorization?: string }>;
  /** Requests other than CONNECT (a proxy must never be sent the service's request in clear). */
  plainRequests: string[];
  /** Everything clients sent inside tunnels (capped at 1 MiB). */
  tunnelledBytes(): Buffer;
  close(): Promise<void>;
}

const MAX_RECORDED_BYTES = 1024 * 1024;

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const connects: ConnectProxy["connects"] = [];
  const plainRequests: string[] = [];
  const sent: Buffer[] = [];
  let recorded = 0;
  const sockets = new Set<net.Socket>();
  const expected = options.credentials === undefined ? undefined : `Basic ${Buffer.from(options.credentials).toString("base64")}`;

  const refuse = (req: http.IncomingMessage, res: http.ServerResponse) => {
    plainRequests.push(`${req.method} ${req.url}`);
    res.writeHead(405, { connection: "close" }).end();
  };
  const server = options.tls ? https.createServer(options.tls, refuse) : http.createServer(refuse);
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? "";
    const proxyAuthorization = req.headers["proxy-authorization"];
    connects.push({ target, proxyAuthorization });
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    if (expected !== undefined && proxyAuthorization !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const route = options.routes?.[target];
    const to = route === undefined ? undefined : loopbackAddress(route);
    if (!to) {
      client.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const upstream = net.connect(to.port, to.host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("data", (chunk: Buffer) => {
      if (recorded < MAX_RECORDED_BYTES) sent.push(chunk);
      recorded += chunk.length;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    connects,
    plainRequests,
    tunnelledBytes: () => Buffer.concat(sent),
    async close() {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `127.x.x.x:port` or `localhost:port`; anything else is not reached from a test. */
function loopbackAddress(hostPort: string): { host: string; port: number } | undefined {
  const match = /^(127\.\d+\.\d+\.\d+|localhost):(\d+)$/.exec(hostPort);
  return match ? { host: match[1]!, port: Number(match[2]) } : undefined;
}
