import { InvalidArgumentError } from "../../provider/client/errors";
import { validateEtag, validateId, validateListFilters, validateRetryToken } from "../../provider/client/validate";
import type { ListQueryExecutionsFilters } from "../../provider/client/types";

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError);
    return (e as InvalidArgumentError).reason;
  }
  throw new Error("expected an InvalidArgumentError");
}

describe("validateId", () => {
  test("accepts OCIDs and any printable text up to 255 characters", () => {
    expect(validateId("ocid1.queryserviceproject.oc1.iad.aaaa", "projectId")).toBe("ocid1.queryserviceproject.oc1.iad.aaaa");
    expect(validateId("a b/c?d#é", "queryExecutionId")).toBe("a b/c?d#é");
    expect(validateId("x".repeat(255), "projectId")).toHaveLength(255);
  });

  test("rejects empty and over-long ids, with the length", () => {
    expect(reasonOf(() => validateId("", "projectId"))).toBe("1..255 characters expected; got 0");
    expect(reasonOf(() => validateId("x".repeat(256), "projectId"))).toBe("1..255 characters expected; got 256");
  });

  test("rejects control characters, saying where", () => {
    expect(reasonOf(() => validateId("ab\ncd", "queryExecutionId"))).toBe("control characters are not allowed; found U+000A at index 2");
    expect(() => validateId("a\u007f", "queryExecutionId")).toThrow(InvalidArgumentError);
    expect(() => validateId("a\u0085", "queryExecutionId")).toThrow(InvalidArgumentError);
  });

  test("rejects a lone surrogate, which has no UTF-8 form, naming the argument", () => {
    expect(reasonOf(() => validateId("p\udc00", "projectId"))).toBe("a lone UTF-16 surrogate U+DC00 at index 1 is not Unicode and cannot be sent");
    expect(validateId("p\ud83d\ude00", "projectId")).toBe("p😀");
    expect(() => validateListFilters({ name: "n\ud800" })).toThrow(expect.objectContaining({ argument: "name" }));
  });

  test("rejects dot segments, which a URL parser would collapse", () => {
    expect(() => validateId("..", "projectId")).toThrow(/not an id/);
    expect(() => validateId(".", "projectId")).toThrow(InvalidArgumentError);
    expect(validateId("...", "projectId")).toBe("...");
  });

  test("names the argument and rejects non-strings", () => {
    expect(() => validateId(undefined, "queryExecutionId")).toThrow("queryExecutionId: a string expected; got undefined");
  });
});

describe("validateRetryToken", () => {
  test("accepts 1..64 characters of A-Z a-z 0-9 . _ -", () => {
    expect(validateRetryToken("a")).toBe("a");
    expect(validateRetryToken("Az09._-".repeat(10).slice(0, 64))).toHaveLength(64);
  });

  test("rejects other lengths and characters", () => {
    expect(reasonOf(() => validateRetryToken("x".repeat(70)))).toBe("1..64 characters of A-Z a-z 0-9 . _ - expected; got 70 characters");
    expect(reasonOf(() => validateRetryToken(""))).toMatch(/got 0 characters/);
    expect(reasonOf(() => validateRetryToken("a b"))).toMatch(/got other characters/);
    expect(() => validateRetryToken("tok/1")).toThrow(InvalidArgumentError);
  });
});

describe("validateEtag", () => {
  test("accepts etags as the service returns them", () => {
    expect(validateEtag('W/"abc-123"')).toBe('W/"abc-123"');
  });

  test("rejects what cannot travel in a header", () => {
    expect(() => validateEtag("a\r\nx-evil: 1")).toThrow(InvalidArgumentError);
    expect(() => validateEtag("")).toThrow(InvalidArgumentError);
    expect(() => validateEtag("\u2603")).toThrow(/Latin-1/);
  });
});

describe("validateListFilters", () => {
  test("fills sortBy timeCreated and sortOrder DESC", () => {
    expect(validateListFilters({})).toEqual({ sortBy: "timeCreated", sortOrder: "DESC" });
    expect(validateListFilters({ limit: 1000, sortOrder: "ASC", sortBy: "displayName", name: "n", lifecycleState: "FAILED" })).toEqual({
      limit: 1000,
      sortOrder: "ASC",
      sortBy: "displayName",
      name: "n",
      lifecycleState: "FAILED",
    });
  });

  test.each([0, 1001, 2.5, Number.NaN])("rejects limit %p", (limit) => {
    expect(() => validateListFilters({ limit })).toThrow(expect.objectContaining({ argument: "limit" }));
  });

  test("rejects sort values outside the enums", () => {
    expect(() => validateListFilters({ sortOrder: "desc" } as unknown as ListQueryExecutionsFilters)).toThrow(
      'sortOrder: one of ASC, DESC expected; got "desc"',
    );
    expect(() => validateListFilters({ sortBy: "name" } as unknown as ListQueryExecutionsFilters)).toThrow(expect.objectContaining({ argument: "sortBy" }));
  });

  test("rejects empty or control-character name and state", () => {
    expect(() => validateListFilters({ name: "" })).toThrow(expect.objectContaining({ argument: "name" }));
    expect(() => validateListFilters({ lifecycleState: "A\tB" })).toThrow(expect.objectContaining({ argument: "lifecycleState" }));
  });
});
