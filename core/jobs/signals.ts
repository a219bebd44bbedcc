/** What an operation asks for when it parks an item (see `ItemContext.park`). */
export interface ParkRequest {
  /** Shown in the job log and the item's state, e.g. "waiting for Gemini batch batches/123". */
  reason: string;
  /** Wake by this time at the latest (ms epoch); omit to wait only for `waitFor`. */
  until?: number;
  /** A key the module wakes it by (`engine.wake(waitFor)`), e.g. `batch:batches/123`. */
  waitFor?: string;
  /** Handed back as `ctx.state` when the item runs again (JSON). */
  state?: unknown;
}

/** Thrown by `ctx.park`: the engine parks the item as `awaiting` instead of finishing it. */
export class ParkItem extends Error {
  constructor(readonly request: ParkRequest) {
    super(`parked: ${request.reason}`);
    this.name = 'ParkItem';
  }
}

export interface RetryOptions {
  /** Wait this long before the next try (a server's RetryInfo); default: exponential backoff. */
  afterMs?: number;
  /**
   * The try does not count towards the attempt limit (a rate limit: the request was never
   * served). Default false: server errors and timeouts count.
   */
  refund?: boolean;
}

/**
 * Thrown by an operation for a failure worth trying again (a 503, a timeout, a 429). The engine
 * puts the item back in the queue after a backoff, until the attempt limit; then the item fails
 * with `cause`'s error.
 */
export class RetryLater extends Error {
  constructor(
    override readonly cause: unknown,
    readonly options: RetryOptions = {},
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'RetryLater';
  }
}

/** Exponential backoff with jitter: 2 s, 4 s, 8 s… up to 5 min, each between half and all of it. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(5 * 60_000, 2000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
