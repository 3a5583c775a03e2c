// OCI request signing (draft-cavage-http-signatures) through oci-common, for a request this
// package sends itself.

import { DefaultRequestSigner, type AuthenticationDetailsProvider } from "oci-common";
import { ConfigurationError } from "./errors.js";

export interface RequestToSign {
  method: string;
  /** Absolute URL, query string included: both are signed as (request-target) and host. */
  url: string;
  /** Headers to send; names are lower-cased in the result. */
  headers: Record<string, string>;
  /** The exact body string that will be sent. A POST without one is signed as "". */
  body?: string;
}

// Headers the signer derives; stale copies from an earlier attempt must not survive, because
// oci-common keeps whatever it finds.
const DERIVED = ["authorization", "date", "x-date", "content-length", "x-content-sha256"];
const WITH_BODY = ["POST", "PUT", "PATCH"];

/** One per credentials: oci-common parses the key in its constructor. */
export class RequestSigner {
  private readonly signer: DefaultRequestSigner;

  constructor(provider: AuthenticationDetailsProvider) {
    try {
      this.signer = new DefaultRequestSigner(provider);
    } catch (e) {
      throw new ConfigurationError(`The signing key cannot be used (${e instanceof Error ? e.name : "error"}).`, "auth");
    }
  }

  /** The headers to send: the given ones plus host, x-date, the body headers and authorization. */
  async sign({ method, url, headers, body }: RequestToSign): Promise<Record<string, string>> {
    const upper = method.toUpperCase();
    const fetchHeaders = new Headers();
    for (const [name, value] of Object.entries(headers)) {
      if (!DERIVED.includes(name.toLowerCase())) fetchHeaders.set(name, value);
    }
    const hasBody = WITH_BODY.includes(upper);
    if (hasBody && !fetchHeaders.has("content-type")) fetchHeaders.set("content-type", "application/json");
    try {
      await this.signer.signHttpRequest({
        method: upper as never,
        uri: url,
        headers: fetchHeaders,
        body: hasBody ? (body ?? "") : undefined,
      });
    } catch (e) {
      // Federated providers fetch tokens here; their messages carry no key material, but the
      // raw error object may hold request headers, so only its text is kept.
      const text = e instanceof Error ? e.message : String(e);
      throw new ConfigurationError(`Signing the request failed: ${text.split("\n")[0]?.slice(0, 300)}`, "auth");
    }
    return Object.fromEntries(fetchHeaders.entries());
  }
}
