import { createHash } from "node:crypto";
import { canonicalJson, deriveRetryToken } from "../../provider/retry-token";

const basis = { projectId: "p", queryExecutionId: "q", etag: "e1", triggers: [] as unknown[] };

describe("deriveRetryToken", () => {
  test("is the documented hash: qec1- and 40 hex digits of SHA-256 over the canonical JSON", () => {
    const expected = "qec1-" + createHash("sha256").update('["qec1","p","q","e1",[]]').digest("hex").slice(0, 40);
    expect(deriveRetryToken(basis)).toBe(expected);
    expect(expected).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
  });

  test("is the same for the same cancel in any process, whatever the key order of triggers", () => {
    const a = deriveRetryToken({ ...basis, triggers: [{ b: 1, a: [2, { d: 3, c: 4 }] }] });
    const b = deriveRetryToken({ ...basis, triggers: [{ a: [2, { c: 4, d: 3 }], b: 1 }] });
    expect(a).toBe(b);
  });

  test("changes with the etag, the triggers and each id", () => {
    const base = deriveRetryToken(basis);
    expect(deriveRetryToken({ ...basis, etag: "e2" })).not.toBe(base);
    expect(deriveRetryToken({ ...basis, triggers: [1] })).not.toBe(base);
    expect(deriveRetryToken({ ...basis, projectId: "p2" })).not.toBe(base);
    expect(deriveRetryToken({ ...basis, queryExecutionId: "q2" })).not.toBe(base);
  });

  test("does not confuse ids that concatenate alike", () => {
    expect(deriveRetryToken({ ...basis, projectId: "ab", queryExecutionId: "c" })).not.toBe(
      deriveRetryToken({ ...basis, projectId: "a", queryExecutionId: "bc" }),
    );
  });
});

describe("canonicalJson", () => {
  test("sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [true, null] } })).toBe('{"a":{"c":[true,null]},"b":1}');
  });
});
