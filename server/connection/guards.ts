/**
 * Per-connection rate limits: a token bucket for messages, one for bytes and one for presence
 * messages. Frame size is enforced by the transport before a frame is buffered (see
 * ws-adapter.ts), so it is not here.
 */
import { CloseCode } from '../../shared/close-codes.js';
import type { Limits } from '../../shared/limits.js';
import { ConnectionError } from '../wire/errors.js';

/**
 * A token bucket: holds up to `capacity` tokens, refilled at `perSecond`. Refill is computed
 * lazily from the clock on each take, so an idle connection costs nothing.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes `amount` tokens if available; false (and nothing taken) when the bucket is short. */
  take(amount: number, now: number): boolean {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.perSecond) / 1000);
      this.last = now;
    }
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  /** True when the bucket would be full at `now`: it is then no different from a new one. */
  full(now: number): boolean {
    return this.tokens + ((now - this.last) * this.perSecond) / 1000 >= this.capacity;
  }
}

/** The rate guards of one connection. */
export class RateGuard {
  private readonly messages: TokenBucket;
  private readonly bytes: TokenBucket;
  private readonly presence: TokenBucket;

  constructor(limits: Limits, now: number = performance.now()) {
    this.messages = new TokenBucket(limits.messageBurst, limits.messagesPerSecond, now);
    this.bytes = new TokenBucket(limits.byteBurst, limits.bytesPerSecond, now);
    this.presence = new TokenBucket(limits.awarenessBurst, limits.awarenessUpdatesPerSecond, now);
  }

  /** Charges one frame of `size` bytes; throws a 4429 {@link ConnectionError} past either rate. */
  admit(size: number, now: number = performance.now()): void {
    if (!this.messages.take(1, now)) throw new ConnectionError(CloseCode.RateLimited, 'message_rate');
    if (!this.bytes.take(size, now)) throw new ConnectionError(CloseCode.RateLimited, 'byte_rate');
  }

  /** Charges one awareness message (after {@link admit}); throws a 4429 {@link ConnectionError} past the presence rate. */
  admitPresence(now: number = performance.now()): void {
    if (!this.presence.take(1, now)) throw new ConnectionError(CloseCode.RateLimited, 'awareness_rate');
  }
}
