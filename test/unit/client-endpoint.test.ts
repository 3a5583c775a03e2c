import { DEFAULT_ENDPOINT_TEMPLATE, endpointProblem, isLoopbackHost, resolveEndpoint } from "../../provider/client/endpoint";
import { ConfigurationError } from "../../provider/client/errors";

function settingOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return (e as ConfigurationError).setting;
  }
  throw new Error("expected a ConfigurationError");
}

describe("resolveEndpoint", () => {
  test("uses an explicit endpoint, without a trailing slash", () => {
    expect(resolveEndpoint({ endpoint: "https://qs.example.com/" })).toBe("https://qs.example.com");
  });

  test("keeps a path prefix in the endpoint", () => {
    expect(resolveEndpoint({ endpoint: "https://gw.example.com/oci/qs/" })).toBe("https://gw.example.com/oci/qs");
  });

  test("prefers the endpoint over the region", () => {
    expect(resolveEndpoint({ endpoint: "https://qs.example.com", region: "iad" })).toBe("https://qs.example.com");
  });

  test("fills the default template from a region id", () => {
    expect(DEFAULT_ENDPOINT_TEMPLATE).toBe("https://queryservice.{region}.oci.{secondLevelDomain}");
    expect(resolveEndpoint({ region: "us-ashburn-1" })).toBe("https://queryservice.us-ashburn-1.oci.oraclecloud.com");
  });

  test("maps a short code to its region id", () => {
    expect(resolveEndpoint({ region: "iad" })).toBe("https://queryservice.us-ashburn-1.oci.oraclecloud.com");
    expect(resolveEndpoint({ region: "FRA" })).toBe("https://queryservice.eu-frankfurt-1.oci.oraclecloud.com");
  });

  test("fills a custom template, every occurrence", () => {
    expect(resolveEndpoint({ region: "phx", endpointTemplate: "https://{region}.qs.example.com/{region}" })).toBe(
      "https://us-phoenix-1.qs.example.com/us-phoenix-1",
    );
  });

  test("rejects an unknown region without warning on the console", () => {
    const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      expect(settingOf(() => resolveEndpoint({ region: "mars-north-1" }))).toBe("region");
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  test("asks for an endpoint or a region when neither is set", () => {
    expect(() => resolveEndpoint({})).toThrow(/set endpoint .* or region/);
    expect(settingOf(() => resolveEndpoint({ endpoint: "" }))).toBe("endpoint");
  });

  test("rejects a template without {region}", () => {
    expect(settingOf(() => resolveEndpoint({ region: "iad", endpointTemplate: "https://qs.example.com" }))).toBe("endpointTemplate");
  });

  test("allows plain http to loopback hosts only", () => {
    expect(resolveEndpoint({ endpoint: "http://127.0.0.1:8080" })).toBe("http://127.0.0.1:8080");
    expect(resolveEndpoint({ endpoint: "http://127.9.9.9" })).toBe("http://127.9.9.9");
    expect(resolveEndpoint({ endpoint: "http://[::1]:9000/" })).toBe("http://[::1]:9000");
    expect(resolveEndpoint({ endpoint: "http://localhost:1" })).toBe("http://localhost:1");
    for (const endpoint of ["http://qs.example.com", "http://10.0.0.1", "http://128.0.0.1", "http://localhost.example.com"]) {
      expect(() => resolveEndpoint({ endpoint })).toThrow(/plain http is allowed only to a loopback host/);
    }
  });

  test("rejects credentials in the URL without repeating them", () => {
    expect(() => resolveEndpoint({ endpoint: "https://alice:s3cret@qs.example.com" })).toThrow(ConfigurationError);
    try {
      resolveEndpoint({ endpoint: "https://alice:s3cret@qs.example.com" });
    } catch (e) {
      expect(String(e)).not.toContain("s3cret");
    }
  });

  test.each([
    ["https://qs.example.com/20210831", "https://qs.example.com"],
    ["https://qs.example.com/20210831/", "https://qs.example.com"],
    ["http://127.0.0.1:8787/gw/20210831/projects/p/queryExecutions", "http://127.0.0.1:8787/gw"],
  ])("refuses %s, whose path already has the API version, saying what to set instead", (endpoint, base) => {
    const names = { endpoint: "queryservice:endpoint" };
    expect(settingOf(() => resolveEndpoint({ endpoint, names }))).toBe("queryservice:endpoint");
    expect(() => resolveEndpoint({ endpoint, names })).toThrow(
      `queryservice:endpoint: "${new URL(endpoint).href}" has the API version /20210831 in its path, which the client adds to every request itself; set it to "${base}".`,
    );
    expect(endpointProblem(endpoint)).toMatch(/has the API version \/20210831 in its path/);
  });

  test("refuses a template that puts the API version in the path", () => {
    expect(settingOf(() => resolveEndpoint({ region: "iad", endpointTemplate: "https://{region}.qs.example.com/20210831" }))).toBe("endpointTemplate");
  });

  test("keeps a path segment that merely contains the version's digits", () => {
    expect(resolveEndpoint({ endpoint: "https://gw.example.com/v20210831" })).toBe("https://gw.example.com/v20210831");
  });

  test("rejects other schemes, relative URLs, queries and fragments", () => {
    for (const endpoint of ["ftp://qs.example.com", "qs.example.com", "https://qs.example.com/?a=1", "https://qs.example.com/#x"]) {
      expect(settingOf(() => resolveEndpoint({ endpoint }))).toBe("endpoint");
    }
  });
});

describe("isLoopbackHost", () => {
  test.each(["127.0.0.1", "127.255.0.3", "[::1]", "::1", "localhost", "LOCALHOST"])("%s is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  test.each(["10.0.0.1", "[::2]", "example.com", "0.0.0.0", "localhost.example.com"])("%s is not", (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
