import * as prng from 'lib0/prng';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { updateFrame } from '../../bench/frames.js';
import { Ledger, type Reader, type Writer } from '../../bench/ledger.js';
import { typeUpdates } from '../../bench/typing.js';

function writer(clientId: number, keystrokes: number): Writer & { updates: Uint8Array[]; sent: number } {
  const { updates } = typeUpdates({ clientId, updates: keystrokes }, prng.create(clientId));
  return { clientId, updates, frames: updates.map(updateFrame), sendTimes: new Float64Array(keystrokes), sent: 0 };
}

function reader(own: Writer): Reader {
  return { writer: own, nextClock: new Map() };
}

function send(w: ReturnType<typeof writer>, at: number): Uint8Array {
  w.sendTimes[w.sent] = at;
  w.sent += 1;
  return w.updates[w.sent - 1]!;
}

/** Alice types (up to 5 keystrokes), Bob reads; the window is open from `start` to `end`. */
function setup(start = 0, end = 1000) {
  const ledger = new Ledger();
  const alice = writer(1, 5);
  const bob = writer(2, 1);
  ledger.addWriter(alice);
  ledger.addWriter(bob);
  ledger.windowStart = start;
  ledger.windowEnd = end;
  return { ledger, alice, bob, bobReads: reader(bob) };
}

describe('bench delivery ledger', () => {
  it('counts a relayed keystroke once, with the time from its send to its receipt', () => {
    const { ledger, alice, bobReads } = setup();
    const update = send(alice, 10);
    ledger.receiveUpdate(bobReads, update, 12.5);
    expect(ledger.delivered).toBe(1);
    expect(ledger.deliveredInWindow).toBe(1);
    expect(ledger.latency.max).toBe(2.5);
  });

  it('counts each keystroke of a merged update separately, each with its own send time', () => {
    const { ledger, alice, bobReads } = setup();
    const sent = [send(alice, 10), send(alice, 20), send(alice, 30)];
    ledger.receiveUpdate(bobReads, Y.mergeUpdates(sent), 40);
    expect(ledger.delivered).toBe(3);
    expect(ledger.latency.min).toBe(10);
    expect(ledger.latency.max).toBe(30);
    expect(ledger.missing(bobReads, alice)).toBe(0);
  });

  it('counts a keystroke that never came before a later one as skipped, and its repeat as a duplicate', () => {
    const { ledger, alice, bobReads } = setup();
    const first = send(alice, 1);
    send(alice, 2);
    const third = send(alice, 3);
    ledger.receiveUpdate(bobReads, first, 5);
    ledger.receiveUpdate(bobReads, third, 6);
    ledger.receiveUpdate(bobReads, third, 7);
    expect(ledger.skipped).toBe(1);
    expect(ledger.duplicates).toBe(1);
    expect(ledger.delivered).toBe(2);
  });

  it('reports a writer receiving its own keystrokes as echoes and keystrokes still on the way as missing', () => {
    const { ledger, alice, bobReads } = setup();
    const aliceReads = reader(alice);
    ledger.receiveUpdate(aliceReads, send(alice, 1), 2);
    send(alice, 3);
    expect(ledger.echoes).toBe(1);
    expect(ledger.delivered).toBe(0);
    expect(ledger.missing(bobReads, alice)).toBe(2);
  });

  it('leaves latency and in-window counts alone outside the window', () => {
    const { ledger, alice, bobReads } = setup(100, 200);
    ledger.receiveUpdate(bobReads, send(alice, 50), 101);
    ledger.receiveUpdate(bobReads, send(alice, 150), 250);
    ledger.receiveAwareness(3, 150);
    ledger.receiveAwareness(3, 300);
    expect(ledger.deliveredInWindow).toBe(1);
    expect(ledger.latency.count).toBe(1);
    expect(ledger.latency.max).toBe(100);
    expect(ledger.awarenessInWindow).toBe(3);
  });
});
