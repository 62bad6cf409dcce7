/**
 * Waiting on conditions with a deadline: the only way tests synchronise with servers,
 * clients and browsers. A fixed sleep is never a substitute.
 */

export interface WaitOptions {
  /** Give up after this many milliseconds. */
  timeout?: number;
  /** Poll every this many milliseconds. */
  interval?: number;
  /** Said in the error when the deadline passes. */
  message?: string;
}

/**
 * Resolves with the first truthy value `check` returns; rejects when `timeout` passes first.
 * `check` may be async and may throw (a throw counts as "not yet", the last one is reported).
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  { timeout = 10_000, interval = 10, message = 'condition' }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      // Wasm libraries (ywasm) throw strings, not Errors.
      const cause = lastError === undefined ? '' : `: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${message}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Resolves when `emitter` emits `event`; rejects after `timeout`. */
export function waitForEvent<A extends unknown[]>(
  emitter: { once(event: string, listener: (...args: A) => void): unknown },
  event: string,
  timeout = 10_000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeout} ms waiting for '${event}'`)), timeout);
    emitter.once(event, (...args: A) => {
      clearTimeout(timer);
      resolve(args);
    });
  });
}
