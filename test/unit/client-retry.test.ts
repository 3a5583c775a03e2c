import { ConfigurationError } from "../../provider/client/errors";
import { DEFAULT_RETRY_POLICY, nextDelayMs, parseRetryAfter, resolveRetryPolicy, stopReason } from "../../provider/client/retry";
import type { RetryPolicy } from "../../provider/client/types";

const policy: RetryPolicy = { maxAttempts: 8, maxAttemptsWithRetryAfter: 100, baseDelayMs: 1000, maxDelayMs: 30000, totalBudgetMs: 120000 };
const max = () => 1;
const half = () => 0.5;

describe("nextDelayMs", () => {
  test("doubles the ceiling each attempt and caps it at maxDelayMs", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((attempt) => nextDelayMs({ attempt, elapsedMs: 0, policy, random: max }));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  test("applies full jitter: random() times the ceiling", () => {
    const delays = [1, 2, 3, 6].map((attempt) => nextDelayMs({ attempt, elapsedMs: 0, policy, random: half }));
    expect(delays).toEqual([500, 1000, 2000, 15000]);
    expect(nextDelayMs({ attempt: 4, elapsedMs: 0, policy, random: () => 0 })).toBe(0);
  });

  test("stops once maxAttempts attempts were made", () => {
    expect(nextDelayMs({ attempt: 8, elapsedMs: 0, policy, random: max })).toBeUndefined();
    expect(nextDelayMs({ attempt: 1, elapsedMs: 0, policy: { ...policy, maxAttempts: 1 }, random: max })).toBeUndefined();
  });

  test("waits Retry-After plus up to one more Retry-After of jitter", () => {
    expect(nextDelayMs({ attempt: 1, retryAfterMs: 7000, elapsedMs: 0, policy, random: () => 0 })).toBe(7000);
    expect(nextDelayMs({ attempt: 1, retryAfterMs: 7000, elapsedMs: 0, policy, random: half })).toBe(10500);
  });

  test("does not grow the wait with the attempt number when Retry-After is given", () => {
    expect(nextDelayMs({ attempt: 5, retryAfterMs: 1000, elapsedMs: 0, policy, random: max })).toBe(2000);
  });

  test("treats Retry-After: 0 as no hint and backs off as usual", () => {
    expect(nextDelayMs({ attempt: 3, retryAfterMs: 0, elapsedMs: 0, policy, random: half })).toBe(2000);
    expect(nextDelayMs({ attempt: 8, retryAfterMs: 0, elapsedMs: 0, policy, random: half })).toBeUndefined();
  });

  test("keeps following Retry-After past maxAttempts while the budget lasts", () => {
    expect(stopReason({ attempt: 8, retryAfterMs: 1000, elapsedMs: 0, policy })).toBeUndefined();
    expect(nextDelayMs({ attempt: 20, retryAfterMs: 1000, elapsedMs: 0, policy, random: () => 0 })).toBe(1000);
    expect(nextDelayMs({ attempt: 20, retryAfterMs: 1000, elapsedMs: 120000, policy, random: () => 0 })).toBeUndefined();
  });

  test("waits at least the first backoff step when Retry-After asks for less", () => {
    expect(nextDelayMs({ attempt: 1, retryAfterMs: 1, elapsedMs: 0, policy, random: () => 0 })).toBe(1000);
    expect(nextDelayMs({ attempt: 1, retryAfterMs: 1, elapsedMs: 0, policy, random: half })).toBe(1500);
    expect(nextDelayMs({ attempt: 1, retryAfterMs: 999, elapsedMs: 0, policy: { ...policy, baseDelayMs: 5 }, random: () => 0 })).toBe(999);
  });

  test("stops at maxAttemptsWithRetryAfter attempts however often Retry-After comes", () => {
    expect(nextDelayMs({ attempt: 99, retryAfterMs: 1000, elapsedMs: 0, policy, random: () => 0 })).toBe(1000);
    expect(nextDelayMs({ attempt: 100, retryAfterMs: 1000, elapsedMs: 0, policy, random: () => 0 })).toBeUndefined();
    expect(stopReason({ attempt: 100, retryAfterMs: 1000, elapsedMs: 0, policy })).toBe("all 100 attempts used (maxAttemptsWithRetryAfter)");
  });

  test("clips a wait to the budget left", () => {
    expect(nextDelayMs({ attempt: 3, elapsedMs: 119000, policy, random: max })).toBe(1000);
    expect(nextDelayMs({ attempt: 1, retryAfterMs: 150, elapsedMs: 119800, policy, random: max })).toBe(200);
  });

  test("stops when the budget is spent", () => {
    expect(nextDelayMs({ attempt: 1, elapsedMs: 120000, policy, random: max })).toBeUndefined();
    expect(nextDelayMs({ attempt: 1, elapsedMs: 130000, policy, random: () => 0 })).toBeUndefined();
  });

  test("stops when Retry-After asks for more than the budget left", () => {
    expect(nextDelayMs({ attempt: 1, retryAfterMs: 5000, elapsedMs: 116000, policy, random: () => 0 })).toBeUndefined();
    expect(stopReason({ attempt: 1, retryAfterMs: 5000, elapsedMs: 116000, policy })).toMatch(/Retry-After asks for 5000 ms but only 4000 ms/);
  });

  test("gives a reason for each stop", () => {
    expect(stopReason({ attempt: 8, elapsedMs: 0, policy })).toBe("all 8 attempts used");
    expect(stopReason({ attempt: 2, elapsedMs: 120000, policy })).toBe("the time budget of 120000 ms is spent");
    expect(stopReason({ attempt: 2, elapsedMs: 0, policy })).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-05T10:00:00Z");

  test("reads delay-seconds", () => {
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("1.5", now)).toBe(1500);
  });

  test("reads an HTTP-date relative to now", () => {
    expect(parseRetryAfter("Thu, 05 Nov 2026 10:00:07 GMT", now)).toBe(7000);
  });

  test("turns an HTTP-date in the past into 0", () => {
    expect(parseRetryAfter("Thu, 05 Nov 2026 09:59:00 GMT", now)).toBe(0);
  });

  test("ignores absent and unreadable values", () => {
    for (const header of [undefined, "", "soon", "-1", "1e3", "0x10"]) {
      expect(parseRetryAfter(header, now)).toBeUndefined();
    }
  });
});

describe("resolveRetryPolicy", () => {
  test("fills the defaults", () => {
    expect(resolveRetryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({ maxAttempts: 3, baseDelayMs: undefined })).toEqual({ ...DEFAULT_RETRY_POLICY, maxAttempts: 3 });
  });

  test("names the setting of a bad value", () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(expect.objectContaining({ setting: "retry.maxAttempts" }));
    expect(() => resolveRetryPolicy({ totalBudgetMs: -1 })).toThrow(ConfigurationError);
    expect(() => resolveRetryPolicy({ maxAttemptsWithRetryAfter: 0.5 })).toThrow(expect.objectContaining({ setting: "retry.maxAttemptsWithRetryAfter" }));
  });
});
