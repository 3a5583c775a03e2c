import { readFileSync } from "node:fs";
import { join } from "node:path";
import { STACK_CONFIG_KEYS } from "../../provider/connection";
import { INPUT_KEYS, REPLACE_KEYS } from "../../provider/inputs";
import { CANCELLATION_PROPERTIES, PROVIDER_CONFIG } from "../../provider/schema";
import { CANCELLATION_TOKEN, packageSchema, schemaText } from "../../plugin/schema-json";

const committed = readFileSync(join(__dirname, "..", "..", "plugin", "schema.json"), "utf8");

describe("plugin/schema.json", () => {
  test("the committed schema is the one the table gives (run npm run gen:schema when this fails)", () => {
    expect(committed).toBe(schemaText());
  });

  test("every input is described, and exactly the replace keys replace on change", () => {
    const resource = (
      packageSchema().resources as Record<string, { inputProperties: Record<string, { description: string; willReplaceOnChanges?: boolean }> }>
    )[CANCELLATION_TOKEN]!;
    expect(new Set(Object.keys(resource.inputProperties))).toEqual(INPUT_KEYS);
    const replacing = Object.entries(resource.inputProperties).filter(([, p]) => p.willReplaceOnChanges);
    expect(replacing.map(([key]) => key)).toEqual([...REPLACE_KEYS]);
    for (const spec of Object.values(CANCELLATION_PROPERTIES)) expect(spec.description.length).toBeGreaterThan(10);
  });

  test("each provider config key stands for a stack config key the dynamic provider reads, and key material is secret", () => {
    const known = new Set<string>(Object.values(STACK_CONFIG_KEYS));
    for (const spec of Object.values(PROVIDER_CONFIG)) expect(known).toContain(spec.stackConfigKey);
    const secret = Object.entries(PROVIDER_CONFIG).filter(([, spec]) => "secret" in spec && spec.secret);
    expect(secret.map(([key]) => key)).toEqual(["privateKey", "privateKeyPassword"]);
  });
});
