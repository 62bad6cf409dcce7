/** Token buckets: a burst passes, a sustained rate passes, anything faster is refused with 4429. */
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { DEFAULT_LIMITS } from '../../shared/limits.js';
import { RateGuard, TokenBucket } from '../../server/connection/guards.js';
import { ConnectionError } from '../../server/wire/errors.js';

describe('token bucket', () => {
  it('lets a full burst through, then refuses until time refills it', () => {
    const bucket = new TokenBucket(3, 1, 0);
    expect([bucket.take(1, 0), bucket.take(1, 0), bucket.take(1, 0), bucket.take(1, 0)]).toEqual([true, true, true, false]);
    expect(bucket.take(1, 999)).toBe(false);
    expect(bucket.take(1, 1000)).toBe(true);
  });

  it('never holds more than its capacity however long it idles', () => {
    const bucket = new TokenBucket(2, 100, 0);
    expect(bucket.take(3, 1_000_000)).toBe(false);
    expect(bucket.take(2, 1_000_000)).toBe(true);
  });

  it('takes nothing when it refuses', () => {
    const bucket = new TokenBucket(10, 1, 0);
    expect(bucket.take(11, 0)).toBe(false);
    expect(bucket.take(10, 0)).toBe(true);
  });
});

describe('rate guard', () => {
  const limits = { ...DEFAULT_LIMITS, messageBurst: 2, messagesPerSecond: 1, byteBurst: 100, bytesPerSecond: 10 };

  function refusal(guard: RateGuard, size: number, now: number): string | null {
    try {
      guard.admit(size, now);
      return null;
    } catch (error) {
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).code).toBe(CloseCode.RateLimited);
      return (error as ConnectionError).reason;
    }
  }

  it('refuses the message past the burst with message_rate', () => {
    const guard = new RateGuard(limits, 0);
    expect([refusal(guard, 1, 0), refusal(guard, 1, 0), refusal(guard, 1, 0)]).toEqual([null, null, 'message_rate']);
  });

  it('refuses bytes past the byte burst with byte_rate', () => {
    const guard = new RateGuard(limits, 0);
    expect([refusal(guard, 60, 0), refusal(guard, 60, 0)]).toEqual([null, 'byte_rate']);
    expect(refusal(guard, 60, 6000)).toBeNull();
  });
});
