/**
 * Whether a store's storage takes writes, and how long to wait before asking again. A store
 * reports failures here; from the first one it is 'failing' and a probe (a trivial query, or a
 * reopen of the engine) runs on a backoff schedule until one succeeds, so the store heals
 * without a restart and `/readyz` tells the truth meanwhile. A store whose storage can go away
 * while nothing is written (a database) also probes at an interval while healthy. Timers come
 * from node:timers so that fake timers in tests, which replace the globals, never stall storage.
 */
import { clearTimeout, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { STORE_OK, StoreFailingError, type StoreHealth } from './store.js';

const FIRST_RETRY_MS = 100;
const LONGEST_RETRY_MS = 2_000;

/**
 * How long to wait before retry number `attempt` (0 for the first): doubling from 100 ms up to
 * 2 s, so storage that comes back in a few seconds is back in use within 2 s, and spread by
 * ±25 % so instances that failed together do not retry in step.
 */
export function backoffDelay(attempt: number): number {
  const delay = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempt, 16));
  return delay * (0.75 + Math.random() * 0.5);
}

/** Waits {@link backoffDelay}(attempt). */
export function backOff(attempt: number): Promise<void> {
  return sleep(backoffDelay(attempt));
}

/** How a monitor probes its storage. */
export interface HealthProbe {
  /** Resolves when the storage takes writes again (after whatever repair it needs); rejects while it cannot. */
  probe(): Promise<void>;
  /** Probe this often while healthy; null probes only after a failure. */
  intervalMs: number | null;
  /** Told when the state changes, e.g. to log it. */
  onChange?: (health: StoreHealth) => void;
}

/** One store's health: failing from the first failure until a probe succeeds. */
export class HealthMonitor {
  #health: StoreHealth = STORE_OK;
  #timer: NodeJS.Timeout | null = null;
  #failedProbes = 0;
  #probing = false;
  #closed = false;

  constructor(private readonly options: HealthProbe) {}

  /** The current answer. */
  get health(): StoreHealth {
    return this.#health;
  }

  /** Throws {@link StoreFailingError} while failing. */
  check(): void {
    if (this.#health.state === 'failing') throw new StoreFailingError(this.#health.reason);
  }

  /** Starts the periodic probe, if there is one. */
  start(): void {
    if (this.options.intervalMs !== null) this.#schedule(this.options.intervalMs);
  }

  /** Something reached the storage. */
  succeeded(): void {
    this.#set(STORE_OK);
  }

  /** Something failed for want of the storage: failing, and probe soon to notice the recovery. */
  failed(error: unknown): void {
    const wasFailing = this.#health.state === 'failing';
    this.#set({ state: 'failing', reason: reasonOf(error) });
    if (wasFailing) return;
    this.#failedProbes = 0;
    this.#schedule(backoffDelay(0));
  }

  /** Stops probing. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #set(health: StoreHealth): void {
    const changed = health.state !== this.#health.state;
    this.#health = health;
    if (changed) this.options.onChange?.(health);
  }

  #schedule(delayMs: number): void {
    if (this.#closed || this.#probing) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#check(), delayMs);
    // A probe alone never keeps the process alive.
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    this.#timer = null;
    this.#probing = true;
    try {
      await this.options.probe();
      this.#failedProbes = 0;
      this.#probing = false;
      this.#set(STORE_OK);
    } catch (error) {
      this.#failedProbes++;
      this.#probing = false;
      this.#set({ state: 'failing', reason: reasonOf(error) });
    }
    const { intervalMs } = this.options;
    if (this.#health.state === 'failing') this.#schedule(backoffDelay(this.#failedProbes));
    else if (intervalMs !== null) this.#schedule(intervalMs);
  }
}

/** One line for operators: the error's code and message (`ENOSPC: no space left on device, write`). */
function reasonOf(error: unknown): string {
  if (error instanceof StoreFailingError) return error.reason;
  if (!(error instanceof Error)) return String(error);
  const code = (error as Error & { code?: unknown }).code;
  const message = error.message.split('\n')[0] ?? '';
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
