/**
 * Reconnect delays. Exponential growth stops a dead server from being hammered; the jitter spreads
 * the clients of a restarted server over time, so they do not all return in the same millisecond.
 */

/** How reconnect delays grow. */
export interface BackoffOptions {
  /** Ceiling of the first delay, in milliseconds. */
  initialMs?: number;
  /** Ceiling of every delay, in milliseconds. */
  maxMs?: number;
  /** Source of randomness in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

/** Default first-delay ceiling: quick enough that a brief blip goes unnoticed. */
export const DEFAULT_BACKOFF_INITIAL_MS = 250;
/** Default delay cap: a client is never more than this far from noticing the server is back. */
export const DEFAULT_BACKOFF_MAX_MS = 10_000;

/**
 * The delay before reconnect attempt number `attempt` (0 for the first retry): "equal jitter",
 * uniformly distributed over the upper half of an exponentially growing, capped ceiling.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { initialMs = DEFAULT_BACKOFF_INITIAL_MS, maxMs = DEFAULT_BACKOFF_MAX_MS, random = Math.random } = options;
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (random() * ceiling) / 2;
}
