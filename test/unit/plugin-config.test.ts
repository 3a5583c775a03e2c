import { changedConfig, checkConfig, stackConfigFrom } from "../../plugin/config";
import { parseImportId } from "../../plugin/import-id";

const SECRET = (value: string) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

describe("checkConfig", () => {
  test("an unknown key is refused naming the settings there are; engine keys pass", () => {
    expect(checkConfig({ endpont: "https://x", version: "0.1.0" })).toEqual([
      { property: "endpont", reason: expect.stringContaining("not a setting of the ociqueryservice provider; the settings are endpoint, endpointTemplate,") },
    ]);
  });

  test("a non-string is refused without repeating the value, also when it is a secret", () => {
    const failures = checkConfig({ privateKey: SECRET(42 as unknown as string), region: "iad" });
    expect(failures).toEqual([
      { property: "privateKey", reason: "a string expected; got number (set it with pulumi config set ociqueryservice:privateKey …)" },
    ]);
    expect(JSON.stringify(failures)).not.toContain("42");
  });
});

describe("changedConfig", () => {
  test("names the keys whose value changed, a secret compared by its value", () => {
    expect(changedConfig({ region: "iad", privateKey: SECRET("a") }, { region: "iad", privateKey: SECRET("b") })).toEqual(["privateKey"]);
    expect(changedConfig({ region: "iad" }, { region: "iad" })).toEqual([]);
  });
});

describe("stackConfigFrom", () => {
  test("maps ociqueryservice: keys onto the stack config keys connection.ts resolves; variables win over args", () => {
    const variables = new Map([
      ["ociqueryservice:privateKey", "PEM"],
      ["ociqueryservice:endpoint", "https://a"],
    ]);
    expect(stackConfigFrom(variables, { endpoint: "https://b", region: "iad", profile: "" })).toEqual({
      "oci:privateKey": "PEM",
      "queryservice:endpoint": "https://a",
      "oci:region": "iad",
    });
  });
});

describe("parseImportId", () => {
  test("splits <projectId>/<queryExecutionId>", () => {
    expect(parseImportId("ocid1.p/ocid1.e")).toEqual({ projectId: "ocid1.p", queryExecutionId: "ocid1.e" });
  });

  test.each(["ocid1.p", "ocid1.p/", "/ocid1.e", "a/b/c"])("refuses %j showing the format", (id) => {
    expect(() => parseImportId(id)).toThrow(/is not <projectId>\/<queryExecutionId>\. Give the project's OCID/);
  });
});
