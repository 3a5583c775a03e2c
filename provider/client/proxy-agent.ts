// The https agent requests go out on: direct, or through a tunnel that an HTTP CONNECT opens in
// the proxy the environment names (proxy.ts). Inside the tunnel TLS runs end to end with the
// Query Service, so the proxy sees the host and port, never a header: not the signature.

import type { ClientRequestArgs, IncomingMessage } from "node:http";
import http from "node:http";
import https from "node:https";
import { isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { proxyFor, type ProxyChoice, type ProxyEnv } from "./proxy.js";
import { serviceText } from "./service-text.js";

export interface HttpsAgentSettings {
  /** The client's endpoint: whether its host goes through a proxy is decided once, here. */
  endpoint: string;
  /** Trusted CAs for the endpoint (and an https proxy); undefined for Node's defaults. */
  ca?: string[];
  env: ProxyEnv;
  /** How long the proxy may take to open the tunnel. */
  connectTimeoutMs: number;
}

/** A keep-alive https agent: a tunnelling one when a proxy applies to the endpoint. */
export function httpsAgentFor(settings: HttpsAgentSettings): https.Agent {
  const proxy = proxyFor(new URL(settings.endpoint), settings.env);
  const options = { keepAlive: true, ca: settings.ca };
  return proxy ? new TunnelAgent(proxy, settings.connectTimeoutMs, options) : new https.Agent(options);
}

type Callback = (err: Error | null, stream: Duplex) => void;

/** An https.Agent whose connections are CONNECT tunnels through one proxy; TLS runs inside them. */
class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: ProxyChoice,
    private readonly connectTimeoutMs: number,
    options: https.AgentOptions,
  ) {
    super(options);
    // The endpoint's trusted CAs serve for an https:// proxy too: corporate CAs are usually one list.
    this.ca = options.ca;
  }

  private readonly ca: https.AgentOptions["ca"];

  override createConnection(options: ClientRequestArgs, callback?: Callback): undefined {
    const done = once(callback);
    const target = `${options.host}:${options.port}`;
    const { proxy } = this;
    const request = (proxy.protocol === "https:" ? https : http).request({
      host: proxy.hostname,
      port: proxy.port,
      method: "CONNECT",
      path: target,
      setHost: false,
      headers: { host: target, ...(proxy.authorization ? { "proxy-authorization": proxy.authorization } : {}) },
      agent: false,
      timeout: this.connectTimeoutMs,
      // The proxy's own name, not the Host header's (the target): "" for an IP, which SNI cannot carry.
      ...(proxy.protocol === "https:" ? { ca: this.ca, servername: isIP(proxy.hostname) ? "" : proxy.hostname } : {}),
    });
    const from = `the proxy ${proxy.shown} (from ${proxy.variable})`;
    request.once("connect", (answer: IncomingMessage, socket: Socket, head: Buffer) => {
      request.removeAllListeners("timeout");
      if (answer.statusCode !== 200) {
        socket.destroy();
        const status = `${answer.statusCode} ${serviceText(answer.statusMessage ?? "", 100)}`.trim();
        done(proxyError(answer.statusCode ?? 0, `${from} refused CONNECT ${target}: ${status}`));
        return;
      }
      if (head.length > 0) socket.unshift(head);
      // TLS with the endpoint, over the tunnel: servername and ca are the endpoint's, as without a proxy.
      done(null, super.createConnection({ ...options, socket } as ClientRequestArgs) as Duplex);
    });
    request.once("timeout", () => {
      done(Object.assign(new Error(`${from} did not open a tunnel to ${target} within ${this.connectTimeoutMs} ms`), { code: "ETIMEDOUT" }));
      request.destroy();
    });
    request.once("error", (e: NodeJS.ErrnoException) => {
      // Node's text names the proxy's address only; say which setting it came from.
      done(Object.assign(new Error(`cannot reach ${from}: ${e.message}`), { code: e.code ?? "ProxyFailed" }));
    });
    request.end();
    return undefined;
  }
}

/** A 4xx (407 above all) is the proxy's policy, which trying again does not change; a 5xx may pass. */
function proxyError(status: number, message: string): Error {
  return Object.assign(new Error(message), { code: status >= 400 && status < 500 ? "ProxyDenied" : "ProxyFailed" });
}

function once(callback: Callback | undefined): (err: Error | null, stream?: Duplex) => void {
  let called = false;
  return (err, stream) => {
    if (called) return;
    called = true;
    callback?.(err, stream as Duplex);
  };
}
