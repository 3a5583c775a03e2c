// Where requests go: an explicit endpoint, or a template filled from a region.

import { isIP } from "node:net";
import { Region } from "oci-common";
import { ConfigurationError, describeSource } from "./errors.js";
import { quoted } from "./validate.js";

/** The API version every request path starts with; it is never part of an endpoint. */
export const API_VERSION_SEGMENT = "20210831";

/**
 * Assumption: the Query Service's API host is undocumented (reference §1); this follows the
 * usual OCI pattern `https://<service>.<region>.oci.<secondLevelDomain>`. Set `endpoint` or
 * `endpointTemplate` when the real host differs.
 */
export const DEFAULT_ENDPOINT_TEMPLATE = "https://queryservice.{region}.oci.{secondLevelDomain}";

export interface EndpointSettings {
  endpoint?: string;
  region?: string;
  endpointTemplate?: string;
  /** Where each came from, for messages (see QueryServiceClientOptions.names). */
  names?: Partial<Record<"endpoint" | "region" | "endpointTemplate", string>>;
}

/**
 * The base URL every request path is appended to, without a trailing slash. A path prefix in
 * the endpoint is kept. Plain http is allowed only to a loopback host.
 */
export function resolveEndpoint({ endpoint, region, endpointTemplate, names = {} }: EndpointSettings): string {
  const name = (setting: "endpoint" | "region" | "endpointTemplate") => names[setting] ?? setting;
  if (endpoint !== undefined && endpoint !== "") return checkBaseUrl(endpoint, name("endpoint"));
  if (region === undefined || region === "") {
    throw new ConfigurationError(
      "No Query Service endpoint: set endpoint (e.g. https://queryservice.us-ashburn-1.oci.oraclecloud.com) or region (e.g. us-ashburn-1).",
      "endpoint",
    );
  }
  const template = endpointTemplate ?? DEFAULT_ENDPOINT_TEMPLATE;
  if (!template.includes("{region}")) {
    throw new ConfigurationError(`${name("endpointTemplate")} must contain {region}; got ${quoted(template, 200)}`, name("endpointTemplate"));
  }
  const { regionId, secondLevelDomain } = lookUpRegion(region, name("region"));
  const filled = template.replaceAll("{region}", regionId).replaceAll("{secondLevelDomain}", secondLevelDomain);
  return checkBaseUrl(filled, endpointTemplate === undefined ? name("region") : name("endpointTemplate"));
}

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts plain http may go to. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1";
  return false;
}

function lookUpRegion(region: string, setting: string): { regionId: string; secondLevelDomain: string } {
  const text = region.trim().toLowerCase();
  // fromRegionId answers undefined for an unknown id; only the config-file and endpoint helpers
  // of oci-common fall back to oc1 with a console.warn, so they are not used here.
  const known = Region.fromRegionId(Region.getRegionIdFromShortCode(text));
  if (!known) {
    const from = setting === "region" ? "" : ` (from ${describeSource(setting)})`;
    throw new ConfigurationError(
      `Unknown region ${quoted(region)}${from}: use a region id such as us-ashburn-1 or a short code such as iad, or set endpoint.`,
      setting,
    );
  }
  return { regionId: known.regionId, secondLevelDomain: known.realm.secondLevelDomain };
}

/**
 * Why `text` cannot be the endpoint, or undefined when it can: the rules create applies, which
 * check applies to the endpoint input too.
 */
export function endpointProblem(text: string): string | undefined {
  const checked = baseUrl(text);
  return "problem" in checked ? checked.problem : undefined;
}

function checkBaseUrl(text: string, setting: string): string {
  const checked = baseUrl(text);
  if ("problem" in checked) throw new ConfigurationError(`${setting}: ${checked.problem}`, setting);
  return checked.url;
}

function baseUrl(text: string): { url: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // Not echoed: an unparsable URL may still hold a user:password@ part.
    return { problem: "not an absolute URL; one such as https://queryservice.us-ashburn-1.oci.oraclecloud.com expected" };
  }
  if (url.username || url.password) {
    // The URL is not echoed: its userinfo is the secret.
    return { problem: "credentials in the URL are not allowed; remove the user:password@ part." };
  }
  const shown = quoted(url.href, 200);
  if (url.protocol !== "https:" && url.protocol !== "http:") return { problem: `https URL expected; got ${shown}` };
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return { problem: `plain http is allowed only to a loopback host (127.0.0.1, ::1, localhost); use https for ${url.host}.` };
  }
  if (url.search || url.hash) return { problem: `a query string or fragment cannot be part of the endpoint; got ${shown}` };
  const segments = url.pathname.split("/");
  const version = segments.indexOf(API_VERSION_SEGMENT);
  if (version >= 0) {
    // Every request path starts with the version: kept here, requests would go to
    // …/20210831/20210831/…, and every answer would be a 404 (NOT_FOUND with onNotFound "succeed").
    const base = quoted(url.origin + segments.slice(0, version).join("/"), 200);
    return { problem: `${shown} has the API version /${API_VERSION_SEGMENT} in its path, which the client adds to every request itself; set it to ${base}.` };
  }
  return { url: url.origin + url.pathname.replace(/\/+$/, "") };
}
