// Test helpers around the emulator: `withEmulator` gives a test a running emulator plus throwaway
// credentials and always cleans up; `signedRequest` sends one request signed by oci-common (an
// independent signer: the emulator's verifier must agree with it), not by our client.

import { mkdtemp, rm } from "node:fs/promises";
import * as http from "node:http";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DefaultRequestSigner, SessionAuthDetailProvider, SimpleAuthenticationDetailsProvider } from "oci-common";
import { startEmulator, type Emulator, type EmulatorCredentials, type StartEmulatorOptions, type WriteCredentialsOptions } from "../../emulator/index.js";

export interface WithEmulatorOptions extends StartEmulatorOptions {
  /** How the credentials are written (passphrase, session token, profile). */
  credentials?: WriteCredentialsOptions;
}

/** Runs `fn` with a fresh emulator and credentials in a temp dir; closes both whatever happens. */
export async function withEmulator<T>(fn: (emu: Emulator, creds: EmulatorCredentials) => Promise<T>, options: WithEmulatorOptions = {}): Promise<T> {
  const { credentials, ...start } = options;
  const dir = await mkdtemp(join(tmpdir(), "with-emulator-"));
  let emu: Emulator | undefined;
  try {
    emu = await startEmulator(start);
    const creds = await emu.writeCredentials(dir, credentials);
    return await fn(emu, creds);
  } finally {
    await emu?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export interface SignedRequestOptions {
  /** @default "GET" */
  method?: string;
  /** Path and query, e.g. `/20210831/projects/p/queryExecutions?limit=2`. */
  path: string;
  /** Sent as is; POST/PUT sign it (an empty string for an empty body). */
  body?: string;
  /** Extra headers, set before signing (so they are sent, and x-date/content-type win if given). */
  headers?: Record<string, string>;
  /** The signed x-date. @default the emulator clock's now, so manual-clock tests stay in the window */
  date?: number;
  /** Leaves the request unsigned. */
  unsigned?: boolean;
  /** Changes what is sent after signing: for tests that tamper with a signed request. */
  afterSigning?: (request: { method: string; path: string; headers: Record<string, string>; body: string }) => void;
}

export interface SignedResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- like fetch's Response.json()
  json<T = any>(): T;
}

const signers = new WeakMap<EmulatorCredentials, DefaultRequestSigner>();

function signerFor(creds: EmulatorCredentials): DefaultRequestSigner {
  let signer = signers.get(creds);
  if (!signer) {
    const provider = creds.securityToken
      ? new SessionAuthDetailProvider(creds.configFile, creds.profile)
      : new SimpleAuthenticationDetailsProvider(creds.tenancy, creds.user, creds.fingerprint, creds.privateKeyPem, creds.passphrase ?? null);
    signer = new DefaultRequestSigner(provider);
    signers.set(creds, signer);
  }
  return signer;
}

/** Sends one request to the emulator, signed with oci-common's DefaultRequestSigner. */
export async function signedRequest(
  emu: Pick<Emulator, "url" | "ca" | "clock">,
  creds: EmulatorCredentials | undefined,
  options: SignedRequestOptions,
): Promise<SignedResponse> {
  const method = (options.method ?? "GET").toUpperCase();
  const body = options.body ?? "";
  const headers = new Headers(options.headers ?? {});
  if (!headers.has("x-date") && !options.unsigned) headers.set("x-date", new Date(options.date ?? emu.clock.now()).toUTCString());
  if (!options.unsigned) {
    if (!creds) throw new Error("signedRequest needs credentials unless `unsigned` is set");
    await signerFor(creds).signHttpRequest({ method, uri: `${emu.url}${options.path}`, headers, body } as never);
  }
  const plain: Record<string, string> = {};
  headers.forEach((v, k) => (plain[k] = v));
  const request = { method, path: options.path, headers: plain, body };
  options.afterSigning?.(request);
  return send(emu, request);
}

/** Sends a request as given (no signing): for admin routes and raw checks. */
export function send(
  emu: Pick<Emulator, "url" | "ca">,
  request: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<SignedResponse> {
  const url = new URL(emu.url);
  const lib = url.protocol === "https:" ? https : http;
  const body = request.body ?? "";
  return new Promise((resolve, reject) => {
    const req = lib.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: {
          ...(body && !hasHeader(request.headers, "content-length") ? { "content-length": String(Buffer.byteLength(body)) } : {}),
          ...request.headers,
        },
        agent: false,
        ...(emu.ca ? { ca: emu.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
          resolve({ status: res.statusCode ?? 0, headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function hasHeader(headers: Record<string, string> | undefined, name: string): boolean {
  return Object.keys(headers ?? {}).some((k) => k.toLowerCase() === name);
}
