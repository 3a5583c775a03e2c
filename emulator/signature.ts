// Verifies OCI request signatures (version 1, draft-cavage-http-signatures-08), independently of
// oci-common: `http-signature` parses the Authorization header and checks the RSA signature, and
// the rules OCI adds (which headers must be signed, the body hash, the content length, the
// 5-minute clock window, registered key ids) are checked here. Each failure says which rule
// failed, and never repeats the signature or a session token.

import { createHash, createPublicKey } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import * as httpSignature from "http-signature";

export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** What verification needs from a request. */
export interface SignedRequest {
  method: string;
  /** The request target exactly as received: percent-encoded path and query. */
  url: string;
  httpVersion?: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type VerifyResult = { ok: true; keyId: string } | { ok: false; reason: string };

const BODY_METHODS = ["POST", "PUT", "PATCH"];
const BODY_HEADERS = ["content-length", "content-type", "x-content-sha256"];

/** Key ids -> public keys (PEM). API keys are `tenancy/user/fingerprint`, session tokens `ST$<token>`. */
export class KeyRegistry {
  private readonly keys = new Map<string, string>();

  register(keyId: string, publicKeyPem: string): void {
    if (!keyId) throw new TypeError("Expected `keyId` to be a non-empty string");
    // Accepts a public key, or a private key whose public half is registered.
    const pem = createPublicKey(publicKeyPem).export({ type: "spki", format: "pem" }).toString();
    this.keys.set(keyId, pem);
  }

  get(keyId: string): string | undefined {
    return this.keys.get(keyId);
  }

  clear(): void {
    this.keys.clear();
  }
}

/** A keyId as it may appear in a message: session tokens are secrets, so only their kind is named. */
function showKeyId(keyId: string): string {
  return keyId.startsWith("ST$") ? "a session token (ST$...)" : JSON.stringify(keyId.slice(0, 300));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

export function verifyRequest(req: SignedRequest, keys: KeyRegistry, nowMs: number, maxSkewMs = MAX_CLOCK_SKEW_MS): VerifyResult {
  const fail = (reason: string): VerifyResult => ({ ok: false, reason });
  const authorization = header(req.headers, "authorization");
  if (!authorization) return fail("The request has no authorization header.");
  if (!/^Signature\s/.test(authorization)) return fail('The authorization header must use the "Signature" scheme.');

  let parsed: httpSignature.ParseResponse;
  try {
    parsed = httpSignature.parseRequest(
      { method: req.method, url: req.url, httpVersion: req.httpVersion ?? "1.1", headers: req.headers } as never,
      // The clock window is checked below against the emulator's clock, not the wall clock.
      { clockSkew: 1e12, headers: [], strict: true },
    );
  } catch (e) {
    const err = e as Error;
    if (err.name === "MissingHeaderError") return fail(`A signed header is missing from the request: ${err.message}.`);
    return fail(`The authorization header could not be parsed: ${err.message}.`);
  }
  const params = parsed.params as unknown as Record<string, unknown> & { keyId: string; algorithm: string; headers: string[] };
  if (params["version"] !== "1") return fail('The authorization header must carry version="1".');
  if (String(params.algorithm).toLowerCase() !== "rsa-sha256") return fail('The signature algorithm must be "rsa-sha256".');

  const signed = params.headers.map((h) => h.toLowerCase());
  const dateHeader = signed.includes("x-date") ? "x-date" : signed.includes("date") ? "date" : undefined;
  if (!dateHeader) return fail("The signature must cover the date or x-date header.");
  for (const h of ["(request-target)", "host"]) {
    if (!signed.includes(h)) return fail(`The signature must cover ${h}.`);
  }
  const method = req.method.toUpperCase();
  if (BODY_METHODS.includes(method)) {
    for (const h of BODY_HEADERS) {
      if (!signed.includes(h)) return fail(`The signature of a ${method} must cover ${h}.`);
    }
  }

  const dateValue = header(req.headers, dateHeader) ?? "";
  const dateMs = Date.parse(dateValue);
  if (!Number.isFinite(dateMs)) return fail(`The ${dateHeader} header is not a valid HTTP date.`);
  const skew = Math.abs(nowMs - dateMs);
  if (skew > maxSkewMs) {
    return fail(
      `The ${dateHeader} header is ${Math.round(skew / 1000)} s away from the service's clock (${new Date(nowMs).toUTCString()}); at most ${maxSkewMs / 1000} s is allowed.`,
    );
  }

  if (BODY_METHODS.includes(method)) {
    const length = header(req.headers, "content-length");
    if (length === undefined || !/^\d+$/.test(length) || Number(length) !== req.body.length) {
      return fail(`The content-length header does not match the ${req.body.length} bytes of body received.`);
    }
    const sha = createHash("sha256").update(req.body).digest("base64");
    if (header(req.headers, "x-content-sha256") !== sha) {
      return fail("The x-content-sha256 header does not match the SHA-256 of the body received.");
    }
  }

  const publicKey = keys.get(params.keyId);
  if (!publicKey) return fail(`The keyId ${showKeyId(params.keyId)} is not registered with this service.`);
  let good = false;
  try {
    good = httpSignature.verifySignature(parsed, publicKey);
  } catch {
    good = false;
  }
  if (!good) {
    return fail(
      "The signature does not verify with the registered public key of this keyId (wrong key, or the signed request-target, host or headers differ from what was received).",
    );
  }
  return { ok: true, keyId: params.keyId };
}
