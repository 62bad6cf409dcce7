import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Awareness as AwarenessType } from 'y-protocols/awareness';
import type { AwarenessThrottle } from '../../client/presence/awareness-throttle.js';

// lib0/time captures `Date.now` when it is first imported, and y-protocols times renewals and
// expiry with it. The fake clock must therefore be installed before these modules load, and stay
// installed for the whole file (each test file runs in its own process).
vi.useFakeTimers();
const Y = await import('yjs');
const { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, outdatedTimeout } = await import('y-protocols/awareness');
const { throttleAwareness, RENEWAL_AFTER_MS } = await import('../../client/presence/awareness-throttle.js');
type Awareness = AwarenessType;

describe('the throttled awareness sender', () => {
  let docs: InstanceType<typeof Y.Doc>[] = [];
  let throttles: AwarenessThrottle[] = [];
  let sent: Uint8Array[] = [];
  let sentAt: number[] = [];

  const makeAwareness = (): Awareness => {
    const doc = new Y.Doc();
    docs.push(doc);
    return new Awareness(doc);
  };
  const start = (awareness: Awareness, windowMs?: number): AwarenessThrottle => {
    const throttle = throttleAwareness(
      awareness,
      (update) => {
        sent.push(update);
        sentAt.push(Date.now());
      },
      windowMs === undefined ? {} : { windowMs },
    );
    throttles.push(throttle);
    return throttle;
  };
  /** Moves the pointer `count` times, one move every `everyMs`. */
  const movePointer = (awareness: Awareness, count: number, everyMs: number): void => {
    for (let i = 1; i <= count; i++) {
      awareness.setLocalStateField('pointer', { x: i, y: 2 * i });
      vi.advanceTimersByTime(everyMs);
    }
  };

  beforeEach(() => {
    sent = [];
    sentAt = [];
  });
  afterEach(() => {
    for (const throttle of throttles) throttle.destroy();
    for (const doc of docs) doc.destroy();
    throttles = [];
    docs = [];
  });

  it('sends the first change at once, on the leading edge', () => {
    const awareness = makeAwareness();
    start(awareness);
    awareness.setLocalStateField('pointer', { x: 1, y: 1 });
    expect(sent).toHaveLength(1);
  });

  it('sends at most one frame per 50 ms window by default while the pointer moves 200 times a second', () => {
    const awareness = makeAwareness();
    start(awareness);
    movePointer(awareness, 200, 5);
    vi.advanceTimersByTime(100);
    // 1000 ms of moves: one leading frame plus one per elapsed window.
    expect(sent.length).toBeGreaterThanOrEqual(19);
    expect(sent.length).toBeLessThanOrEqual(21);
  });

  it('never sends more than 30 frames a second, whatever window is asked for', () => {
    const awareness = makeAwareness();
    start(awareness, 1);
    movePointer(awareness, 400, 5);
    vi.advanceTimersByTime(100);
    const gaps = sentAt.slice(1).map((at, i) => at - (sentAt[i] ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(33);
    const mostInOneSecond = Math.max(...sentAt.map((from) => sentAt.filter((at) => at >= from && at < from + 1000).length));
    expect(mostInOneSecond).toBeLessThanOrEqual(31);
    expect(mostInOneSecond).toBeGreaterThanOrEqual(28);
  });

  it('delivers the last position on the trailing edge', () => {
    const sender = makeAwareness();
    const receiver = makeAwareness();
    start(sender);
    movePointer(sender, 37, 3);
    vi.advanceTimersByTime(60);
    for (const update of sent) applyAwarenessUpdate(receiver, update, 'test');
    expect(receiver.getStates().get(sender.clientID)?.pointer).toEqual({ x: 37, y: 74 });
  });

  it('sends nothing when a state is set again without a change', () => {
    const awareness = makeAwareness();
    start(awareness);
    awareness.setLocalStateField('user', { name: 'Ada', color: '#3366ff' });
    vi.advanceTimersByTime(200);
    const before = sent.length;
    for (let i = 0; i < 50; i++) {
      awareness.setLocalStateField('user', { name: 'Ada', color: '#3366ff' });
      vi.advanceTimersByTime(20);
    }
    expect(sent.length).toBe(before);
  });

  /** Sets the sender's user, relays it, then checks each second for `ms` that the receiver keeps it. */
  const expectPresenceKept = (sender: Awareness, receiver: Awareness, ms: number, redundantSetAfter?: number): void => {
    const relay = (): void => {
      for (const update of sent.splice(0)) applyAwarenessUpdate(receiver, update, 'test');
    };
    const user = { name: 'Ada', color: '#3366ff' };
    sender.setLocalStateField('user', user);
    relay();
    if (redundantSetAfter !== undefined) {
      vi.advanceTimersByTime(redundantSetAfter);
      sender.setLocalStateField('user', { ...user });
    }
    for (let elapsed = 0; elapsed < ms; elapsed += 1000) {
      vi.advanceTimersByTime(1000);
      relay();
      expect(receiver.getStates().get(sender.clientID)?.user).toEqual(user);
    }
  };

  it('lets the 15 s renewals through, so peers keep an idle state for minutes', () => {
    const sender = makeAwareness();
    start(sender);
    expectPresenceKept(sender, makeAwareness(), 4 * outdatedTimeout);
  });

  it('keeps an idle state alive even when a redundant set just postponed the renewal', () => {
    const sender = makeAwareness();
    start(sender);
    expectPresenceKept(sender, makeAwareness(), 2 * outdatedTimeout, RENEWAL_AFTER_MS - 100);
  });

  it('sends the removal of the local state at once, without waiting for the window', () => {
    const sender = makeAwareness();
    const receiver = makeAwareness();
    start(sender);
    sender.setLocalStateField('pointer', { x: 1, y: 1 });
    sender.setLocalStateField('pointer', { x: 2, y: 2 });
    sender.setLocalState(null);
    for (const update of sent) applyAwarenessUpdate(receiver, update, 'test');
    expect(receiver.getStates().has(sender.clientID)).toBe(false);
  });

  it('does not relay the states of other clients', () => {
    const local = makeAwareness();
    const peer = makeAwareness();
    start(local);
    const before = sent.length;
    peer.setLocalStateField('pointer', { x: 5, y: 5 });
    applyAwarenessUpdate(local, encodeAwarenessUpdate(peer, [peer.clientID]), 'remote');
    vi.advanceTimersByTime(200);
    expect(sent.length).toBe(before);
  });
});
