// `--every` intervals as people write them: "90s", "15m", "1h30m", "1d".

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Shorter rounds would spend more time starting the engine than cancelling. */
export const MIN_INTERVAL_MS = 1000;
/** Longer intervals are a job for cron or a CronJob; this also keeps within setTimeout's range. */
export const MAX_INTERVAL_MS = UNIT_MS.d!;

/**
 * Milliseconds in a duration such as `15m` or `1h30m` (units ms, s, m, h, d; whole or decimal
 * numbers), between MIN_INTERVAL_MS and MAX_INTERVAL_MS. Throws a RangeError saying what is
 * expected otherwise.
 */
export function parseDuration(text: string): number {
  const expected = `a duration such as 90s, 15m, 1h30m or 1d expected; got ${JSON.stringify(text)}`;
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text.trim()) throw new RangeError(expected);
  const ms = parts.reduce((total, [, amount, unit]) => total + Number(amount) * UNIT_MS[unit!]!, 0);
  if (ms < MIN_INTERVAL_MS) throw new RangeError(`at least 1s expected; got ${JSON.stringify(text)}`);
  if (ms > MAX_INTERVAL_MS) throw new RangeError(`at most 1d expected (schedule longer intervals with cron); got ${JSON.stringify(text)}`);
  return Math.round(ms);
}
