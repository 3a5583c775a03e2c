import { listProfiles, parseOciConfig, profileValue } from "../../provider/client/config-file";

describe("parseOciConfig", () => {
  test("reads what the OCI CLI reads: ; and # comments, key: value, keys in any case, text after a header, CRLF, a BOM", () => {
    const config = parseOciConfig("\uFEFF; hand-written\r\n[DEFAULT] ; main\r\nRegion : us-ashburn-1\r\n# next\r\n[ OPS ]\r\nuser=ocid1.user.oc1..u\r\n");
    expect([...config.keys()]).toEqual(["DEFAULT", "OPS"]);
    expect(profileValue(config, "OPS", "user")).toBe("ocid1.user.oc1..u");
    // DEFAULT's keys are every profile's.
    expect(profileValue(config, "OPS", "region")).toBe("us-ashburn-1");
  });

  test.each([
    ["[DEFAULT\nregion=x\n", 1, "a [PROFILE] header without its closing ]"],
    ["[]\n", 1, "a [PROFILE] header without a name"],
    ["region=x\n[DEFAULT]\n", 1, "a key=value line before the first [PROFILE] header"],
    ["[DEFAULT]\n\n= x\n", 3, "a key=value line without a key"],
    ["[DEFAULT]\nMIIEowIBAAKCAQEA\n", 2, "neither a [PROFILE] header, a key=value line nor a comment (# or ;)"],
  ])("names the line of %j it cannot read, without quoting it", (text, line, problem) => {
    expect(() => parseOciConfig(text)).toThrow(expect.objectContaining({ line, problem, message: `line ${line}: ${problem}` }));
  });
});

describe("listProfiles", () => {
  test("lists at most so many names, saying how many more there are", () => {
    const text = Array.from({ length: 23 }, (_, i) => `[P${i}]\n`).join("");
    expect(listProfiles(parseOciConfig(text), 3)).toBe("[P0], [P1], [P2] and 20 more");
    expect(listProfiles(parseOciConfig(""))).toBe("no profiles");
  });
});
