import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import * as prng from 'lib0/prng';
import { MessageType, SyncMessageType } from '../../shared/protocol.js';
import { backoffDelay } from '../../client/session/backoff.js';
import { SaveTracker } from '../../client/session/save-tracker.js';
import { withSeed } from '../helpers/seed.js';

const frame = (type: number, subtype?: number): Uint8Array => {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  if (subtype !== undefined) encoding.writeVarUint(encoder, subtype);
  encoding.writeVarUint8Array(encoder, new Uint8Array([0, 0]));
  return encoding.toUint8Array(encoder);
};
const step1 = frame(MessageType.Sync, SyncMessageType.Step1);
const step2 = frame(MessageType.Sync, SyncMessageType.Step2);
const update = frame(MessageType.Sync, SyncMessageType.Update);
const awareness = frame(MessageType.Awareness);

describe('the save tracker', () => {
  it('is saved only once every update frame sent on the socket is acknowledged', () => {
    const tracker = new SaveTracker();
    tracker.socketStarted();
    tracker.frameSent(step1);
    tracker.frameSent(step2);
    tracker.frameSent(awareness);
    tracker.frameSent(update);
    tracker.frameSent(update);
    expect(tracker.saved).toBe(false);
    expect(tracker.unsavedChanges).toBe(2);
    tracker.savedUpTo(2);
    expect(tracker.unsavedChanges).toBe(1);
    expect(tracker.saved).toBe(false);
    tracker.savedUpTo(3);
    expect(tracker.saved).toBe(true);
    expect(tracker.unsavedChanges).toBe(0);
  });

  it('lets the sync step 2 of a new socket carry the changes made offline', () => {
    const tracker = new SaveTracker();
    tracker.changeNotSent();
    tracker.changeNotSent();
    tracker.changeNotSent();
    expect(tracker.unsavedChanges).toBe(3);
    tracker.socketStarted();
    tracker.frameSent(step2);
    expect(tracker.unsavedChanges).toBe(3);
    tracker.savedUpTo(1);
    expect(tracker.saved).toBe(true);
  });

  it('counts the unacknowledged changes of a dropped socket as unsaved again', () => {
    const tracker = new SaveTracker();
    tracker.socketStarted();
    tracker.frameSent(step2);
    tracker.frameSent(update);
    tracker.frameSent(update);
    tracker.savedUpTo(2);
    tracker.socketStarted();
    expect(tracker.saved).toBe(false);
    expect(tracker.unsavedChanges).toBe(1);
    tracker.frameSent(step2);
    tracker.savedUpTo(1);
    expect(tracker.saved).toBe(true);
  });

  it('ignores acknowledgements beyond what was sent', () => {
    const tracker = new SaveTracker();
    tracker.socketStarted();
    tracker.frameSent(update);
    tracker.savedUpTo(5);
    tracker.frameSent(update);
    expect(tracker.saved).toBe(false);
    tracker.savedUpTo(2);
    expect(tracker.saved).toBe(true);
  });
});

describe('the reconnect backoff', () => {
  it('grows exponentially up to its cap, with jitter in the upper half', () => {
    const options = { initialMs: 100, maxMs: 1000 };
    expect(backoffDelay(0, { ...options, random: () => 0 })).toBe(50);
    expect(backoffDelay(0, { ...options, random: () => 0.999 })).toBeCloseTo(99.95);
    expect(backoffDelay(2, { ...options, random: () => 0 })).toBe(200);
    expect(backoffDelay(10, { ...options, random: () => 0 })).toBe(500);
    expect(backoffDelay(1000, { ...options, random: () => 0.999 })).toBeLessThan(1000);
  });

  it('spreads the clients of a restarted server over time', async () => {
    await withSeed(async (rng) => {
      const delays = Array.from({ length: 200 }, () => backoffDelay(3, { random: () => prng.real53(rng) }));
      const distinctMs = new Set(delays.map((delay) => Math.floor(delay)));
      expect(distinctMs.size).toBeGreaterThan(100);
    });
  });
});
