// Properties of the provider's check: whatever the engine sends, check answers (inputs, or failures
// that name a property) and never throws, and it never talks to the service.

import fc from "fast-check";
import type { Emulator, EmulatorCredentials } from "../../emulator/index";
import { createImplementation } from "../../provider/implementation";
import { STACK_CONFIG_KEYS } from "../../provider/connection";
import { INPUT_KEYS, UNKNOWN } from "../../provider/inputs";
import { startEmulator } from "../../emulator/index";

const SEED = 20261125;
const KEYS = [...INPUT_KEYS];
const STACK_KEYS: string[] = Object.values(STACK_CONFIG_KEYS);

// Strings that have broken path-building and header code elsewhere.
const tricky = fc.constantFrom(
  "",
  " ",
  "../",
  "../../etc/passwd",
  "..%2F..%2F",
  "%2F",
  "%2e%2e%2f",
  "a/b",
  "a?b=c",
  "a#b",
  "a b",
  "\u0000",
  "a\r\nx-injected: 1",
  "\u007f",
  "\u0085",
  "\u202e",
  "\ud800",
  "😀",
  "e\u0301",
  "ocid1.queryexecution.oc1..aaaa",
  UNKNOWN,
  `${UNKNOWN}x`,
  "x".repeat(255),
  "x".repeat(256),
  "y".repeat(10_000),
  "http://127.0.0.1:1/",
  "https://user:pass@example.com",
  "file:///etc/passwd",
  "javascript:alert(1)",
  "__proto__",
  "constructor",
  "ApiKey",
  "succeed",
  "fail",
);

const anyString = fc.oneof(
  tricky,
  fc.string({ unit: "binary", maxLength: 300 }),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.string({ unit: "binary-ascii", minLength: 250, maxLength: 260 }),
);

// What a value may look like on the wire, and a few things that cannot come over it but might from a program.
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anyString },
  fc.constant(UNKNOWN),
  fc.constantFrom(null, undefined, true, false, 0, -1, 1, 1.5, NaN, Infinity, -Infinity, 86_401, 600),
  fc.integer(),
  fc.double(),
  fc.array(fc.oneof(anyString, fc.integer(), fc.constant(UNKNOWN)), { maxLength: 4 }),
  fc.dictionary(anyString, fc.oneof(anyString, fc.integer()), { maxKeys: 3 }),
  fc.anything({ maxDepth: 2 }),
);

const news = fc
  .record(Object.fromEntries(KEYS.map((k) => [k, anyValue])) as Record<(typeof KEYS)[number], fc.Arbitrary<unknown>>, {
    requiredKeys: [],
  })
  .chain((known) => fc.dictionary(anyString, anyValue, { maxKeys: 3 }).map((extra) => ({ ...extra, ...known }) as Record<string, unknown>));

let emu: Emulator;
let creds: EmulatorCredentials;
const implementation = createImplementation({ log: () => undefined });

beforeAll(async () => {
  emu = await startEmulator();
  creds = await emu.writeCredentials();
  // A usable connection from stack config, so check's connection rules pass unless an input breaks them.
  const config: Record<string, string> = {
    "queryservice:endpoint": emu.url,
    "queryservice:configFile": creds.configFile,
    "oci:configFileProfile": creds.profile,
  };
  await implementation.configure({ config: { get: (key: string) => config[key], require: (key: string) => config[key] ?? "" } });
});

afterAll(async () => {
  implementation.close();
  await emu?.close();
});

async function checkOf(input: Record<string, unknown>) {
  const result = await implementation.check({}, input);
  expect(result.inputs).toBeDefined();
  for (const failure of result.failures ?? []) {
    expect(typeof failure.property).toBe("string");
    expect(typeof failure.reason).toBe("string");
    expect(failure.reason.length).toBeGreaterThan(0);
  }
  return result;
}

describe("check", () => {
  test("never throws and names a property in every failure, for any input", async () => {
    await fc.assert(
      fc.asyncProperty(news, async (input) => {
        const result = await checkOf(input);
        for (const failure of result.failures ?? []) {
          // An input, or the stack config key a connection setting came from.
          expect([
            failure.property,
            failure.property in input || ["projectId", "queryExecutionId"].includes(failure.property) || STACK_KEYS.includes(failure.property),
          ]).toEqual([failure.property, true]);
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
    expect(emu.requests()).toEqual([]);
  });

  test("makes no request, even with a reachable endpoint and valid credentials", async () => {
    const connection = { endpoint: emu.url, configFile: creds.configFile, profile: creds.profile };
    const { id, projectId } = emu.store.addExecution({ lifecycleState: "IN_PROGRESS" });
    await fc.assert(
      fc.asyncProperty(news, fc.boolean(), async (input, valid) => {
        await checkOf({ ...input, ...connection, ...(valid ? { projectId, queryExecutionId: id } : {}) });
      }),
      { seed: SEED + 1, numRuns: 200 },
    );
    expect(emu.requests()).toEqual([]);
  });

  test("passes the unknown sentinel through untouched wherever it stands", async () => {
    await fc.assert(
      fc.asyncProperty(fc.subarray([...KEYS], { minLength: 1 }), async (unknownKeys) => {
        const input: Record<string, unknown> = { projectId: "p", queryExecutionId: "q" };
        for (const key of unknownKeys) input[key] = UNKNOWN;
        const result = await checkOf(input);
        expect(result.failures ?? []).toEqual([]);
        for (const key of unknownKeys) expect((result.inputs as Record<string, unknown>)[key]).toBe(UNKNOWN);
      }),
      { seed: SEED + 2, numRuns: 100 },
    );
  });

  test("is idempotent: checking accepted inputs again gives the same inputs", async () => {
    await fc.assert(
      fc.asyncProperty(news, async (input) => {
        const first = await checkOf(input);
        if ((first.failures ?? []).length > 0) return;
        const second = await checkOf(first.inputs as Record<string, unknown>);
        expect(second.failures ?? []).toEqual([]);
        expect(second.inputs).toEqual(first.inputs);
      }),
      { seed: SEED + 3, numRuns: 200 },
    );
  });

  test("rejects ids with control characters or outside 1..255 characters, naming the property", async () => {
    const badId = fc.oneof(
      fc.string({ minLength: 256, maxLength: 400 }),
      fc
        .tuple(fc.string({ maxLength: 10 }), fc.integer({ min: 0, max: 0x1f }), fc.string({ maxLength: 10 }))
        .map(([a, c, b]) => a + String.fromCharCode(c) + b),
    );
    await fc.assert(
      fc.asyncProperty(badId, fc.constantFrom("projectId", "queryExecutionId"), async (value, key) => {
        const result = await checkOf({ projectId: "p", queryExecutionId: "q", [key]: value });
        expect(result.failures?.map((f) => f.property)).toContain(key);
      }),
      { seed: SEED + 4, numRuns: 100 },
    );
  });
});
