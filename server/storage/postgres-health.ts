/**
 * Whether the database behind the PostgreSQL store answers, and how long to wait before asking
 * again. Writes and reads report their outcome here; between them a probe keeps the answer
 * current, so `/readyz` turns not-ready during an outage even when nobody writes, and ready
 * again soon after the database returns. Timers come from node:timers so that fake timers in
 * tests, which replace the globals, never stall storage.
 */
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';

/** What {@link DatabaseHealth} reports. */
export type HealthState = 'ok' | 'degraded';

const FIRST_RETRY_MS = 100;
const LONGEST_RETRY_MS = 2_000;

/**
 * How long to wait before retry number `attempt` (0 for the first): doubling from 100 ms up to
 * 2 s, so a database that restarts in a few seconds is back in use within 2 s of accepting
 * connections, and spread by ±25 % so instances that failed together do not retry in step.
 */
export function backoffDelay(attempt: number): number {
  const delay = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt, 16));
  return delay * (0.75 + Math.random() * 0.5);
}

/** Waits {@link backoffDelay}(attempt). */
export function backOff(attempt: number): Promise<void> {
  return sleep(backoffDelay(attempt));
}

/**
 * The health of one store's database: degraded from the first failure that points at the
 * connection until something succeeds again. Probes run every `intervalMs` while healthy and
 * on the backoff schedule while degraded.
 */
export class DatabaseHealth {
  #state: HealthState = 'ok';
  #timer: NodeJS.Timeout | null = null;
  #failedProbes = 0;
  #closed = false;

  /** `probe` resolves when the database answered a trivial query. */
  constructor(
    private readonly probe: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** The current answer. */
  get state(): HealthState {
    return this.#state;
  }

  /** Starts the periodic probe. */
  start(): void {
    this.#schedule(this.intervalMs);
  }

  /** Something reached the database. */
  succeeded(): void {
    this.#state = 'ok';
  }

  /** Something failed to reach the database: degraded, and probe soon to notice the recovery. */
  failed(): void {
    if (this.#state === 'degraded') return;
    this.#state = 'degraded';
    this.#failedProbes = 0;
    this.#schedule(backoffDelay(0));
  }

  /** Stops probing. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#check(), delayMs);
    // A probe alone never keeps the process alive.
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    this.#timer = null;
    try {
      await this.probe();
      this.#state = 'ok';
      this.#failedProbes = 0;
    } catch {
      // The probe's error says no more than "not reachable", which the state now says.
      this.#state = 'degraded';
      this.#failedProbes++;
    }
    if (this.#timer === null) {
      this.#schedule(this.#state === 'ok' ? this.intervalMs : backoffDelay(this.#failedProbes));
    }
  }
}
