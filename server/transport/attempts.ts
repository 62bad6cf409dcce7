/**
 * Connection attempts per minute per address: one token bucket per address, holding a minute's
 * worth. Buckets that have refilled are forgotten once a minute, so memory follows the number of
 * addresses seen in the last minute, not ever.
 */
import { TokenBucket } from '../connection/guards.js';

const MINUTE_MS = 60_000;

/** Counts upgrade attempts by address key. */
export class AttemptLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep: number;

  constructor(
    private readonly perMinute: number,
    now: number = performance.now(),
  ) {
    this.lastSweep = now;
  }

  /** Addresses currently remembered. */
  get size(): number {
    return this.buckets.size;
  }

  /** Counts one attempt from `key`; false when it is over the limit (and then nothing is counted). */
  admit(key: string, now: number = performance.now()): boolean {
    this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.perMinute, this.perMinute / 60, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(1, now);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < MINUTE_MS) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.full(now)) this.buckets.delete(key);
    }
  }
}
