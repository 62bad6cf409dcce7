/** The client's liveness check (client/session/liveness.ts) on a stand-in provider and fake timers. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MessageType } from '../../shared/protocol.js';
import { watchLiveness, type LivenessSubject, type LivenessWatch } from '../../client/session/liveness.js';

/** A stand-in provider that records what its socket sent; tests move it between states. */
interface FakeProvider extends LivenessSubject {
  sent: Uint8Array[];
  ws: NonNullable<LivenessSubject['ws']>;
  wsconnected: boolean;
  wsconnecting: boolean;
  wsLastMessageReceived: number;
}

/** A provider whose socket is open and last heard from now. */
function openProvider(): FakeProvider {
  const sent: Uint8Array[] = [];
  return {
    sent,
    ws: { readyState: 1, OPEN: 1, send: (data) => void sent.push(data as Uint8Array) },
    wsconnected: true,
    wsconnecting: false,
    wsLastMessageReceived: Date.now(),
  };
}

describe('liveness check', () => {
  let watch: LivenessWatch | null = null;
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    watch?.stop();
    watch = null;
    vi.useRealTimers();
  });

  it('sends nothing while frames keep arriving', () => {
    const provider = openProvider();
    const onDead = vi.fn();
    watch = watchLiveness(provider, onDead, { silenceMs: 3_000, answerMs: 3_000 });
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(1_000);
      provider.wsLastMessageReceived = Date.now();
    }
    expect(provider.sent).toEqual([]);
    expect(onDead).not.toHaveBeenCalled();
  });

  it('pings after the silence, and is satisfied by any frame that arrives after the ping', () => {
    const provider = openProvider();
    const onDead = vi.fn();
    watch = watchLiveness(provider, onDead, { silenceMs: 3_000, answerMs: 3_000 });
    vi.advanceTimersByTime(3_000);
    expect(provider.sent).toEqual([Uint8Array.of(MessageType.Ping)]);
    vi.advanceTimersByTime(500);
    provider.wsLastMessageReceived = Date.now();
    vi.advanceTimersByTime(2_500);
    expect(onDead).not.toHaveBeenCalled();
  });

  it('gives the socket up once, within silence plus answer plus one check, when the ping is not answered', () => {
    const provider = openProvider();
    const onDead = vi.fn(() => {
      provider.wsconnected = false;
    });
    watch = watchLiveness(provider, onDead, { silenceMs: 3_000, answerMs: 3_000 });
    vi.advanceTimersByTime(5_999);
    expect(onDead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(onDead).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(onDead).toHaveBeenCalledTimes(1);
    expect(provider.sent).toHaveLength(1);
  });

  it('gives up a connection attempt that does not open in time, and only that one', () => {
    const provider = openProvider();
    provider.wsconnected = false;
    provider.wsconnecting = true;
    const onDead = vi.fn();
    watch = watchLiveness(provider, onDead, { connectMs: 10_000 });
    vi.advanceTimersByTime(9_000);
    // A new attempt (a new socket) gets its own deadline.
    provider.ws = { ...provider.ws };
    vi.advanceTimersByTime(9_000);
    expect(onDead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2_000);
    expect(onDead).toHaveBeenCalledTimes(1);
  });
});
