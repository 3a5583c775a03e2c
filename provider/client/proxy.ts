// Which proxy, if any, a request to the endpoint goes through: the environment variables the
// Pulumi CLI and the OCI SDKs read, by the rules of Go's net/http (golang.org/x/net/http/httpproxy),
// which the Pulumi CLI and the OCI Go SDK use, so one shell setting means the same to all of them.
// Pure: the environment comes in as a parameter.

import { BlockList, isIP } from "node:net";
import { isLoopbackHost } from "./endpoint.js";
import { ConfigurationError } from "./errors.js";

export type ProxyEnv = Readonly<Record<string, string | undefined>>;

/** A proxy to tunnel through, with its credentials kept apart from anything printable. */
export interface ProxyChoice {
  /** `http:` or `https:` (TLS to the proxy itself). */
  protocol: "http:" | "https:";
  hostname: string;
  port: number;
  /** The proxy as it may be shown: scheme, host and port, never a user or password. */
  shown: string;
  /** The variable it came from, as set: `HTTPS_PROXY` or `https_proxy`. */
  variable: string;
  /** `Basic …` from the URL's user and password; never printed. */
  authorization?: string;
}

/**
 * The proxy for a request to `url`, or undefined to connect directly. HTTPS_PROXY (then
 * https_proxy) serves https URLs, HTTP_PROXY (then http_proxy) http URLs; a loopback host never
 * goes through a proxy, and NO_PROXY (then no_proxy) lists the others that do not.
 */
export function proxyFor(url: URL, env: ProxyEnv): ProxyChoice | undefined {
  const scheme = url.protocol === "https:" ? "HTTPS_PROXY" : url.protocol === "http:" ? "HTTP_PROXY" : undefined;
  if (!scheme) return undefined;
  const setting = firstSet(env, scheme, scheme.toLowerCase());
  if (!setting) return undefined;
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  if (isLoopbackHost(url.hostname)) return undefined;
  const noProxy = firstSet(env, "NO_PROXY", "no_proxy");
  if (noProxy && bypasses(noProxy.value, url.hostname, port)) return undefined;
  return parseProxy(setting.value, setting.variable);
}

/**
 * True when NO_PROXY (a comma-separated list) says `host:port` goes direct: `*` for every host;
 * `example.com` for it and its subdomains, `.example.com` and `*.example.com` for subdomains
 * only; an IP address or a CIDR range; any of those but a range with `:port` for that port only.
 */
export function bypasses(noProxy: string, hostname: string, port: number): boolean {
  const host = unbracket(hostname.toLowerCase()).replace(/\.$/, "");
  const ip = isIP(host);
  return noProxy
    .split(",")
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== "")
    .some((entry) => entry === "*" || matches(entry, host, ip, port));
}

function matches(entry: string, host: string, ip: number, port: number): boolean {
  const range = entry.split("/");
  if (range.length === 2) return ip !== 0 && inRange(range[0]!, Number(range[1]), host, ip);
  const { name, entryPort } = splitPort(entry);
  if (entryPort !== undefined && entryPort !== port) return false;
  if (isIP(name)) return ip !== 0 && sameAddress(name, host);
  if (name === "") return false;
  const suffix = name.startsWith("*.") ? name.slice(1) : name;
  if (suffix.startsWith(".")) return host.endsWith(suffix);
  return host === suffix || host.endsWith(`.${suffix}`);
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (which has colons of its own). */
function splitPort(entry: string): { name: string; entryPort?: number } {
  const bracketed = /^\[([^\]]*)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { name: bracketed[1]!, entryPort: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  if (isIP(entry) === 6) return { name: entry };
  const withPort = /^(.*):(\d+)$/.exec(entry);
  return withPort ? { name: withPort[1]!, entryPort: Number(withPort[2]) } : { name: entry };
}

function inRange(network: string, prefix: number, host: string, ip: number): boolean {
  const family = isIP(network);
  if (family === 0 || family !== ip || !Number.isInteger(prefix)) return false;
  const list = new BlockList();
  try {
    list.addSubnet(network, prefix, family === 4 ? "ipv4" : "ipv6");
  } catch {
    return false; // a prefix out of range is not a range: the entry matches nothing
  }
  return list.check(host, family === 4 ? "ipv4" : "ipv6");
}

function sameAddress(a: string, b: string): boolean {
  const list = new BlockList();
  const family = isIP(a) === 4 ? "ipv4" : "ipv6";
  list.addAddress(a, family);
  return list.check(b, isIP(b) === 4 ? "ipv4" : "ipv6");
}

/** The proxy URL; `host:port` alone means http, as curl and Go read it. Credentials never reach a message. */
function parseProxy(value: string, variable: string): ProxyChoice {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigurationError(
      `${variable} is not a proxy URL (${value.length} characters, not shown: it may hold a password); set it to http://host:port or http://user:password@host:port, or unset it.`,
      variable,
    );
  }
  const shown = `${url.protocol}//${url.host}`;
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigurationError(
      `${variable} names the proxy ${shown}; only http:// and https:// proxies are supported: set it to the proxy's http:// URL, or unset it.`,
      variable,
    );
  }
  const user = decoded(url.username);
  const password = decoded(url.password);
  return {
    protocol: url.protocol,
    hostname: unbracket(url.hostname),
    port: url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port),
    shown,
    variable,
    authorization: user || password ? `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` : undefined,
  };
}

/** The upper-case name first, as Go reads them; an empty value counts as unset. */
function firstSet(env: ProxyEnv, ...names: string[]): { variable: string; value: string } | undefined {
  for (const variable of names) {
    const value = env[variable]?.trim();
    if (value) return { variable, value };
  }
  return undefined;
}

/** A URL's user or password as the proxy expects it; a stray `%` is kept as written. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function unbracket(host: string): string {
  return host.replace(/^\[|\]$/g, "");
}
