// The emulator's only source of time. Lifecycle steps, etags, signature dates, the 24 h
// retry-token memory and the rate limiter all read it, so a test with a manual clock is
// deterministic.

/** Milliseconds since the epoch, like `Date.now()`. */
export interface Clock {
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told to. */
export interface ManualClock extends Clock {
  /** Moves the clock forward by `ms` (negative moves it back). */
  advance(ms: number): void;
  /** Sets the clock to an absolute time. */
  set(ms: number): void;
}

/**
 * A clock for tests. Default start: the current wall time, so request signatures made with the
 * real time (oci-common's `x-date`) stay within the 5-minute window until the clock is advanced.
 */
export function manualClock(startMs: number = Date.now()): ManualClock {
  let t = startMs;
  return {
    now: () => t,
    advance(ms: number) {
      if (!Number.isFinite(ms)) throw new TypeError(`Expected \`ms\` to be a finite number; got ${ms}`);
      t += ms;
    },
    set(ms: number) {
      if (!Number.isFinite(ms)) throw new TypeError(`Expected \`ms\` to be a finite number; got ${ms}`);
      t = ms;
    },
  };
}
