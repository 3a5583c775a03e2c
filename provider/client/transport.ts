// How one attempt goes out and comes back: the kept-alive agents (and the proxy's, from
// proxy-agent.ts), the trusted certificates, the user agent, and one request sent with got whose
// answer is read up to a size cap. No signing, no retries, no decisions: those are the client's.

import http from "node:http";
import type https from "node:https";
import type { IncomingHttpHeaders } from "node:http";
import tls from "node:tls";
import got from "got";
import { PACKAGE_NAME, PACKAGE_VERSION } from "../package-info.js";
import { httpsAgentFor } from "./proxy-agent.js";

/**
 * What one answer may hold. The largest page the API gives (1000 executions) comes to about 1 MB
 * at 1 KB an item, so 16 MiB leaves room for items sixteen times that size while a broken or
 * hostile service can make the client hold no more than this per request.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** What one attempt ended in: an answer (read to its end or stopped at the size cap), or no answer. */
type AttemptResult =
  | { response: { statusCode: number; headers: IncomingHttpHeaders; body: string } }
  /** The body went past maxResponseBytes: reading stopped there, and the rest was never received. */
  | { tooLarge: { statusCode: number; headers: IncomingHttpHeaders } }
  | { error: { name: string; code: string; message: string; timeout: boolean } };

/** One signed request, as the transport sends it. */
export interface AttemptRequest {
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface TransportOptions {
  /** The resolved endpoint: the proxy (if any) is chosen for it. */
  endpoint: string;
  /** Certificates to trust besides Node's defaults. */
  ca: string | string[] | undefined;
  /** Where HTTPS_PROXY and NO_PROXY are read. */
  proxyEnv: Readonly<Record<string, string | undefined>>;
  attemptTimeoutMs: number;
  maxResponseBytes: number;
}

/** The connections to one endpoint, and one attempt over them. */
export class Transport {
  /** `<package>/<version> (Node.js v24…; linux)`, sent with (and signed in) every request. */
  readonly userAgent = userAgentText();
  private readonly httpAgent = new http.Agent({ keepAlive: true });
  private readonly httpsAgent: https.Agent;

  constructor(private readonly options: TransportOptions) {
    // Plain http goes only to loopback, which never goes through a proxy: only https can.
    this.httpsAgent = httpsAgentFor({
      endpoint: options.endpoint,
      ca: trustedCertificates(options.ca),
      env: options.proxyEnv,
      connectTimeoutMs: options.attemptTimeoutMs,
    });
  }

  /** One request, one attempt: no retry, no redirect; the body read up to maxResponseBytes. */
  async attempt(url: string, request: AttemptRequest): Promise<AttemptResult> {
    // A stream rather than got's buffered promise: the body is counted as it arrives, so reading
    // stops at maxResponseBytes whatever the service sends (got has no limit of its own).
    let response: { statusCode: number; headers: IncomingHttpHeaders } | undefined;
    try {
      const stream = got.stream(url, {
        method: request.method,
        headers: request.headers,
        body: request.method === "POST" ? (request.body ?? "") : undefined,
        // The signature covers host and path: a redirect cannot be followed with it.
        followRedirect: false,
        http2: false,
        throwHttpErrors: false,
        retry: { limit: 0 },
        timeout: { request: this.options.attemptTimeoutMs },
        agent: { http: this.httpAgent, https: this.httpsAgent },
        signal: request.signal,
      });
      let tooLarge = false;
      const stopReading = () => {
        tooLarge = true;
        stream.destroy();
      };
      stream.once("response", (r: { statusCode: number; headers: IncomingHttpHeaders }) => {
        response = { statusCode: r.statusCode, headers: r.headers };
        if (Number(r.headers["content-length"]) > this.options.maxResponseBytes) stopReading(); // not a byte of it is read
      });
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > this.options.maxResponseBytes) {
            stopReading();
            break;
          }
          chunks.push(chunk);
        }
      } catch (e) {
        if (!tooLarge) throw e; // destroying the stream ends the loop with a premature-close error
      }
      if (tooLarge && response) return { tooLarge: response };
      if (!response) throw Object.assign(new Error("the connection ended before an answer"), { code: "ECONNRESET" });
      return { response: { ...response, body: Buffer.concat(chunks).toString("utf8") } };
    } catch (e) {
      // Only plain facts leave this block: got's error object holds the signed request headers.
      const err = e as { name?: string; code?: string; message?: string };
      const name = String(err.name ?? "Error");
      return {
        error: {
          name,
          code: String(err.code ?? "NetworkError"),
          message:
            String(err.message ?? "")
              .split("\n")[0]
              ?.slice(0, 300) ?? "",
          timeout: name === "TimeoutError",
        },
      };
    }
  }

  /** Closes the kept-alive connections; the next attempt opens new ones. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function trustedCertificates(ca: string | string[] | undefined): string[] | undefined {
  if (ca === undefined) return undefined;
  // `ca` replaces Node's trust store, so the defaults are passed along with the extra ones.
  const defaults = typeof tls.getCACertificates === "function" ? tls.getCACertificates("default") : [...tls.rootCertificates];
  return [...defaults, ...(Array.isArray(ca) ? ca : [ca])];
}

/** `<package>/<version> (Node.js v24…; linux)`. */
function userAgentText(): string {
  return `${PACKAGE_NAME}/${PACKAGE_VERSION} (Node.js ${process.version}; ${process.platform})`;
}
