// A client-wide pause on Retry-After: once any answer to this client asks it to come back later,
// no new attempt of any call starts before that time. Without it, the calls still in flight keep
// starting attempts the service has just said it will refuse. Time and sleep are parameters.

export class RetryAfterGate {
  private openAtMs = 0;

  constructor(
    private readonly now: () => number,
    private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>,
  ) {}

  /** Records a Retry-After of `retryAfterMs` received now; a later time wins over an earlier one. */
  hold(retryAfterMs: number): void {
    this.openAtMs = Math.max(this.openAtMs, this.now() + retryAfterMs);
  }

  /** Resolves once no Retry-After received by this client still holds (at once when none does). */
  async pass(signal?: AbortSignal): Promise<void> {
    for (let wait = this.openAtMs - this.now(); wait > 0; wait = this.openAtMs - this.now()) await this.sleep(wait, signal);
  }
}
