// Which proxy a request goes through: the rules of Go's net/http, which the Pulumi CLI and the OCI
// Go SDK follow, so one shell setting means the same to `pulumi` and to this package.

import { ConfigurationError } from "../../provider/client/errors.js";
import { bypasses, proxyFor } from "../../provider/client/proxy.js";
import { createImplementation } from "../../provider/implementation.js";

const ENDPOINT = new URL("https://queryservice.us-ashburn-1.oci.oraclecloud.com");

describe("proxyFor", () => {
  test("tunnels https through HTTPS_PROXY and shows it without its credentials", () => {
    const proxy = proxyFor(ENDPOINT, { HTTPS_PROXY: "http://alice:p%40ss@proxy.corp:3128" });
    expect(proxy).toEqual({
      protocol: "http:",
      hostname: "proxy.corp",
      port: 3128,
      shown: "http://proxy.corp:3128",
      variable: "HTTPS_PROXY",
      authorization: `Basic ${Buffer.from("alice:p@ss").toString("base64")}`,
    });
  });

  test("reads the upper-case name first, then the lower-case one, and ignores an empty value", () => {
    expect(proxyFor(ENDPOINT, { HTTPS_PROXY: "http://upper:1", https_proxy: "http://lower:2" })?.shown).toBe("http://upper:1");
    expect(proxyFor(ENDPOINT, { https_proxy: "http://lower:2" })?.variable).toBe("https_proxy");
    expect(proxyFor(ENDPOINT, { HTTPS_PROXY: " ", https_proxy: "http://lower:2" })?.variable).toBe("https_proxy");
  });

  test("does not use HTTP_PROXY for an https endpoint", () => {
    expect(proxyFor(ENDPOINT, { HTTP_PROXY: "http://proxy.corp:3128", http_proxy: "http://proxy.corp:3128" })).toBeUndefined();
  });

  test("takes host:port without a scheme as an http proxy on that port, and port 80 or 443 by default", () => {
    expect(proxyFor(ENDPOINT, { HTTPS_PROXY: "proxy.corp:8080" })).toMatchObject({ protocol: "http:", port: 8080 });
    expect(proxyFor(ENDPOINT, { HTTPS_PROXY: "http://proxy.corp" })?.port).toBe(80);
    expect(proxyFor(ENDPOINT, { HTTPS_PROXY: "https://proxy.corp" })).toMatchObject({ protocol: "https:", port: 443 });
  });

  test.each(["https://localhost:8443", "https://127.0.0.1:8443", "https://127.8.9.1", "https://[::1]:8443", "http://127.0.0.1:8080"])(
    "never sends loopback %s through a proxy, whatever NO_PROXY says",
    (url) => {
      const env = { HTTPS_PROXY: "http://proxy.corp:3128", HTTP_PROXY: "http://proxy.corp:3128", NO_PROXY: "example.com" };
      expect(proxyFor(new URL(url), env)).toBeUndefined();
    },
  );

  test("goes direct when NO_PROXY (or no_proxy) lists the endpoint's host", () => {
    expect(proxyFor(ENDPOINT, { HTTPS_PROXY: "http://proxy.corp:3128", NO_PROXY: "oraclecloud.com" })).toBeUndefined();
    expect(proxyFor(ENDPOINT, { HTTPS_PROXY: "http://proxy.corp:3128", no_proxy: ".oci.oraclecloud.com" })).toBeUndefined();
    expect(proxyFor(ENDPOINT, { HTTPS_PROXY: "http://proxy.corp:3128", NO_PROXY: "oraclecloud.com:443" })).toBeUndefined();
    expect(proxyFor(ENDPOINT, { HTTPS_PROXY: "http://proxy.corp:3128", NO_PROXY: "oraclecloud.com:8443" })).toBeDefined();
  });

  test.each([
    ["socks5://alice:secret@proxy.corp:1080", "names the proxy socks5://proxy.corp:1080; only http:// and https:// proxies are supported"],
    ["http://alice:secret@", "is not a proxy URL"],
    ["http://alice:secret@[::1", "is not a proxy URL"],
  ])("refuses HTTPS_PROXY=%s naming the variable, never the password", (value, reason) => {
    let thrown: unknown;
    try {
      proxyFor(ENDPOINT, { HTTPS_PROXY: value });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    const error = thrown as ConfigurationError;
    expect(error.message).toMatch(/^HTTPS_PROXY /);
    expect(error.message).toContain(reason);
    expect(error.message).not.toContain("secret");
    expect(error.setting).toBe("HTTPS_PROXY");
  });
});

describe("bypasses", () => {
  const host = "queryservice.us-ashburn-1.oci.oraclecloud.com";

  test.each([
    ["*", true],
    ["oraclecloud.com", true], // a domain and its subdomains
    [".oraclecloud.com", true], // subdomains only
    ["*.oraclecloud.com", true],
    ["OCI.OracleCloud.com", true], // case does not matter
    [" other.example , oraclecloud.com ", true], // spaces around entries are ignored
    ["oraclecloud.com:443", true], // only that port
    ["oraclecloud.com:8443", false],
    ["cloud.com", false], // a suffix must end at a dot
    ["racle.com", false],
    ["example.com", false],
    ["", false],
    [",,", false],
  ])("NO_PROXY=%j for %s:443 is %s", (noProxy, expected) => {
    expect(bypasses(noProxy, host, 443)).toBe(expected);
  });

  test("a leading dot or *. does not match the domain itself; a plain name does", () => {
    expect(bypasses(".example.com", "example.com", 443)).toBe(false);
    expect(bypasses("*.example.com", "example.com", 443)).toBe(false);
    expect(bypasses("example.com", "example.com", 443)).toBe(true);
    expect(bypasses("example.com", "notexample.com", 443)).toBe(false);
  });

  test("matches IP addresses, CIDR ranges and bracketed IPv6, with ports", () => {
    expect(bypasses("10.1.2.3", "10.1.2.3", 443)).toBe(true);
    expect(bypasses("10.1.2.3:443", "10.1.2.3", 443)).toBe(true);
    expect(bypasses("10.1.2.3:8443", "10.1.2.3", 443)).toBe(false);
    expect(bypasses("10.0.0.0/8", "10.200.1.1", 443)).toBe(true);
    expect(bypasses("10.0.0.0/8", "11.0.0.1", 443)).toBe(false);
    expect(bypasses("10.0.0.0/8", "ten.example", 443)).toBe(false);
    expect(bypasses("10.0.0.0/99", "10.0.0.1", 443)).toBe(false);
    expect(bypasses("fd00::/8", "[fd12::1]", 443)).toBe(true);
    expect(bypasses("[fd12::1]:443", "[fd12::1]", 443)).toBe(true);
    expect(bypasses("fd12::1", "[fd12:0::1]", 443)).toBe(true);
  });
});

describe("check", () => {
  test("refuses an unusable HTTPS_PROXY at preview, naming the variable and not the password", async () => {
    const implementation = createImplementation({ log: () => undefined, client: { proxyEnv: { HTTPS_PROXY: "socks5://alice:secret@proxy.corp:1080" } } });
    try {
      const result = await implementation.check(
        {},
        { projectId: "ocid1.queryserviceproject.oc1.iad.p", queryExecutionId: "ocid1.queryexecution.oc1.iad.q", endpoint: ENDPOINT.href },
      );
      expect(result.failures).toHaveLength(1);
      const [failure] = result.failures!;
      expect(failure!.reason).toContain("HTTPS_PROXY names the proxy socks5://proxy.corp:1080; only http:// and https:// proxies are supported");
      expect(JSON.stringify(result)).not.toContain("secret");
    } finally {
      implementation.close();
    }
  });
});
