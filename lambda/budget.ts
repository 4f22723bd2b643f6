/**
 * The time one invocation may spend, split between the work and the undoing of it. Every undo step
 * registered (before the change it undoes) keeps back time for its requests: a request's timeout plus
 * room for a few retries. The forward path may send requests only until the time kept back begins;
 * once an operation compensates, its undo steps may use the time up to the end. So a Pocket-ID that
 * is slow or failing until the deadline still leaves every undo step its normal timeout and retries.
 */
export class TimeBudget {
  /** Room for retries after a failed undo request: backoffs of 0.5, 1 and 2 seconds, at most. */
  public static readonly RETRY_ALLOWANCE_MS = 4_000;
  /** The forward path always keeps at least this share of the budget, whatever the undo steps ask. */
  private static readonly MAX_RESERVED_SHARE = 0.5;

  private reservedMs = 0;
  private compensating = false;

  /**
   * @param start epoch milliseconds when the operation began
   * @param end epoch milliseconds after which no request may start (kept inside the Lambda timeout)
   * @param requestTimeoutMs the timeout of one request, which an undo request must get in full
   */
  constructor(private readonly start: number, private readonly end: number, private readonly requestTimeoutMs: number) {}

  /** Epoch milliseconds after which no request may start now: earlier on the forward path than while undoing. */
  public deadline(): number {
    if (this.compensating) return this.end;
    const reserved = Math.min(this.reservedMs, (this.end - this.start) * TimeBudget.MAX_RESERVED_SHARE);
    return this.end - reserved;
  }

  /** Keeps back time for an undo step that sends `requests` requests. */
  public reserve(requests: number): void {
    this.reservedMs += requests * (this.requestTimeoutMs + TimeBudget.RETRY_ALLOWANCE_MS);
  }

  /** From now on requests may use the time kept back. */
  public startCompensating(): void {
    this.compensating = true;
  }
}
