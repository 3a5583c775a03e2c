// How long a run waits before trying a locked stack again. Runners that start together on a
// shared backend meet the lock together; in a DIY backend each writes its lock file and then looks
// for others, so two that arrive in the same instant both back off. Full jitter spreads their next
// tries apart, so one of them gets in; the total budget keeps a cron job from piling up behind a
// stack that stays locked.

export interface LockWaitPolicy {
  /** The first delay's ceiling. */
  baseMs: number;
  /** No single delay's ceiling grows beyond this. */
  capMs: number;
  /** The shortest delay: an instant retry would only meet the same lock. */
  floorMs: number;
}

export const LOCK_WAIT_POLICY: LockWaitPolicy = { baseMs: 2_000, capMs: 30_000, floorMs: 250 };

/** The default total wait (`--lock-wait`), in the README. */
export const DEFAULT_LOCK_WAIT_MS = 120_000;

/**
 * Milliseconds to wait before try `attempt + 1` (attempt 1 was the first refusal), or undefined to
 * stop: the budget is spent. Each delay is random between the floor and min(cap, base * 2^(attempt-1)),
 * clipped to the budget left.
 */
export function nextLockWaitMs(input: {
  attempt: number;
  elapsedMs: number;
  budgetMs: number;
  random: () => number;
  policy?: LockWaitPolicy;
}): number | undefined {
  const { attempt, elapsedMs, budgetMs, random, policy = LOCK_WAIT_POLICY } = input;
  const left = budgetMs - elapsedMs;
  if (left <= 0) return undefined;
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt - 1, 30));
  const delay = Math.max(policy.floorMs, Math.round(random() * ceiling));
  return Math.min(delay, left);
}
