// Text the service sends (codes, messages, request ids, states, headers) is bounded and stripped
// of anything shaped like this client's own credentials before it is kept, logged or put in an
// error: a service or proxy that echoes the request back must not put the signature in front
// of the user, in Pulumi's logs or in a CI transcript.

/** The longest each kind of service text may be once kept; the docs give code and message. */
export const SERVICE_TEXT_LIMITS = {
  /** DefaultError.code: 1..255 characters. */
  code: 255,
  /** DefaultError.message: 1..1024 characters. */
  message: 1024,
  /** OCI request ids are about 100 characters (`<client id>/<id>/<id>`). */
  opcRequestId: 255,
  /** The longest our own validators accept for an etag sent back as if-match. */
  etag: 255,
  /** No documented or observed state comes near this. */
  lifecycleState: 255,
  /** An opaque page token sent back in the query string. */
  pageToken: 4096,
  /** Network error text from Node. */
  networkError: 300,
} as const;

const REDACTED = "[redacted]";

// `Signature version="1",keyId="…",algorithm="…",headers="…",signature="…"`: the whole header value.
const SIGNATURE_HEADER = /\bSignature\s+(?:[A-Za-z]+\s*=\s*"[^"]*"?\s*,?\s*)+/gi;
// One parameter of it, also when quoted with escapes (JSON) or cut short by truncation.
const SIGNATURE_PARAMETER = /\b(keyId|signature)(\\?["']?\s*[=:]\s*\\?["']?)[^"'\\,\s]*/gi;
// A bare run of base64 as long as an RSA signature (344 characters for 2048 bits) or a session token.
const LONG_BASE64 = /[A-Za-z0-9+/_-]{100,}={0,2}/g;

/**
 * `value` with signature-shaped text replaced by "[redacted]", control characters turned into
 * spaces, and cut to `limit` characters (an ellipsis marks the cut).
 */
export function serviceText(value: string, limit: number): string {
  // Bound the work first; what lies past 4 x limit is never shown anyway.
  let text = value.length > limit * 4 ? value.slice(0, limit * 4) : value;
  text = text
    .replace(SIGNATURE_HEADER, `Signature ${REDACTED}`)
    .replace(SIGNATURE_PARAMETER, (_all, name: string, joint: string) => `${name}${joint}${REDACTED}`)
    .replace(LONG_BASE64, (run) => (looksRandom(run) ? REDACTED : run))
    // eslint-disable-next-line no-control-regex -- control characters are what is replaced
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** Upper case, lower case and digits together: a key or signature, not an id like "xxxx…" or hex. */
function looksRandom(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}
