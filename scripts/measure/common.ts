// scripts/measure/ answers one question: what did each hardening fix change, in memory, requests
// and silence? Each script prints before/after figures; nothing here asserts a time or a size.
// This file is what they share: throwaway credentials, a local server to misbehave from, and a
// peak-RSS sampler.

import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ApiKeyCredentials } from "../../provider/client/types.js";

/** API-key material generated for this run only; the local servers do not check signatures. */
export function throwawayCredentials(): ApiKeyCredentials {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    tenancy: "ocid1.tenancy.oc1..measure",
    user: "ocid1.user.oc1..measure",
    fingerprint: "00:11",
    privateKey: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
  };
}

/** A node:http server on a free loopback port; `url` has no trailing slash. */
export async function localServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Samples this process's RSS every 20 ms until stopped; returns the peak in MB. */
export function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 1e6);
    },
  };
}

/** The error's kind, code and first 160 characters, or "ok". */
export function outcomeOf(result: unknown): string {
  if (!(result instanceof Error)) return "ok";
  const details = (result as { details?: { kind?: string; code?: string; attempts?: number } }).details;
  const head = details ? `${details.kind} ${details.code} after ${details.attempts} attempt(s)` : result.name;
  return `${head}: ${result.message.slice(0, 160)}`;
}

export function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback;
}
