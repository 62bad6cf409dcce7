/** The awareness table: ownership, renewals folded, removals broadcast at the clock peers hold. */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as prng from 'lib0/prng';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { MessageType } from '../../shared/protocol.js';
import { ConnectionError } from '../../server/wire/errors.js';
import { AwarenessChange, AwarenessTable, onlyDigitsChanged } from '../../server/rooms/awareness-owner.js';
import { withSeed } from '../helpers/seed.js';

type Entry = [clientId: number, clock: number, state: string];

function update(...entries: Entry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const [clientId, clock, state] of entries) {
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, state);
  }
  return encoding.toUint8Array(encoder);
}

/** The entries of an awareness frame (`[Awareness, varUint8Array(update)]`), checking its framing. */
function entries(frame: Uint8Array | null): Entry[] {
  if (frame === null) return [];
  const decoder = decoding.createDecoder(frame);
  expect(decoding.readVarUint(decoder)).toBe(MessageType.Awareness);
  const payload = decoding.readVarUint8Array(decoder);
  expect(decoding.hasContent(decoder)).toBe(false);
  return updateEntries(payload);
}

function updateEntries(payload: Uint8Array): Entry[] {
  const decoder = decoding.createDecoder(payload);
  return Array.from(
    { length: decoding.readVarUint(decoder) },
    (): Entry => [decoding.readVarUint(decoder), decoding.readVarUint(decoder), decoding.readVarString(decoder)],
  );
}

function awarenessFrame(payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Awareness);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

function closeCode(run: () => unknown): number | null {
  try {
    run();
    return null;
  } catch (error) {
    return error instanceof ConnectionError ? error.code : -1;
  }
}

describe('awareness table', () => {
  const a = 'connection a';
  const b = 'connection b';

  it('relays a new state and keeps the raw JSON text as sent', () => {
    const table = new AwarenessTable<string>(1024, 8);
    expect(table.apply(a, update([1, 1, '{ "spaced" : true }']))).toBe(AwarenessChange.Changed);
    expect(entries(table.takeFrame())).toEqual([[1, 1, '{ "spaced" : true }']]);
    expect(table.takeFrame()).toBeNull();
  });

  it('writes the bytes lib0 writes, for multi-byte text, long states and large ids and clocks', () => {
    const table = new AwarenessTable<string>(4096, 8);
    const sent: Entry[] = [
      [1, 1, '{"name":"Zoë 🦊 née Ångström"}'],
      [2 ** 32 + 5, 2 ** 40, JSON.stringify({ note: 'é'.repeat(200) })],
      [300, 128, '{}'],
    ];
    table.apply(a, update(...sent));
    const ids = sent.map(([clientId]) => clientId);
    expect(Buffer.from(table.encode(ids))).toEqual(Buffer.from(update(...sent)));
    const frame = table.takeFrame();
    expect(entries(frame)).toEqual(sent);
    expect(Buffer.from(frame ?? [])).toEqual(Buffer.from(awarenessFrame(update(...sent))));
    table.removeOwner(a);
    expect(Buffer.from(table.encode(ids))).toEqual(Buffer.from(update(...sent.map(([clientId, clock]): Entry => [clientId, clock, 'null']))));
  });

  it('ignores a state for an id another connection owns', () => {
    const table = new AwarenessTable<string>(1024, 8);
    table.apply(a, update([1, 1, '{"v":1}']));
    table.takeFrame();
    expect(table.apply(b, update([1, 9, '{"v":"stolen"}']))).toBe(AwarenessChange.None);
    expect(table.apply(b, update([1, 9, 'null']))).toBe(AwarenessChange.None);
    expect(entries(table.snapshotFrame())).toEqual([[1, 1, '{"v":1}']]);
  });

  it('ignores stale clocks from the owner', () => {
    const table = new AwarenessTable<string>(1024, 8);
    table.apply(a, update([1, 5, '{"v":5}']));
    expect(table.apply(a, update([1, 4, '{"v":4}']))).toBe(AwarenessChange.None);
    expect(table.apply(a, update([1, 5, '{"v":"again"}']))).toBe(AwarenessChange.None);
  });

  it('folds an unchanged renewal into the next update instead of reporting a change', () => {
    const table = new AwarenessTable<string>(1024, 8);
    table.apply(a, update([1, 1, '{"v":1}']));
    table.apply(b, update([2, 1, '{"v":1}']));
    table.takeFrame();
    expect(table.apply(a, update([1, 2, '{"v":1}']))).toBe(AwarenessChange.Renewed);
    expect(table.hasRenewals).toBe(true);
    expect(table.apply(b, update([2, 2, '{"v":2}']))).toBe(AwarenessChange.Changed);
    expect(entries(table.takeFrame())).toEqual([
      [2, 2, '{"v":2}'],
      [1, 2, '{"v":1}'],
    ]);
    expect(table.hasRenewals).toBe(false);
  });

  it("removes a closed connection's states at the clock peers hold", () => {
    const table = new AwarenessTable<string>(1024, 8);
    table.apply(a, update([1, 3, '{"v":1}'], [7, 1, '{"tab":2}']));
    table.apply(b, update([2, 1, '{"v":1}']));
    table.takeFrame();
    expect(table.removeOwner(a)).toBe(true);
    expect(entries(table.takeFrame())).toEqual([
      [1, 3, 'null'],
      [7, 1, 'null'],
    ]);
    expect(entries(table.snapshotFrame())).toEqual([[2, 1, '{"v":1}']]);
    expect(table.removeOwner(a)).toBe(false);
  });

  it('refuses a late echo of a removed state, and a takeover of the id by any connection present at the removal', () => {
    const table = new AwarenessTable<string>(1024, 8, () => 'same user');
    table.join(a);
    table.join(b);
    table.apply(a, update([1, 3, '{"v":1}']));
    table.removeOwner(a);
    table.takeFrame();
    expect(table.apply(b, update([1, 3, '{"v":1}']))).toBe(AwarenessChange.None);
    expect(table.apply(b, update([1, 4, '{"v":"taken over"}']))).toBe(AwarenessChange.None);
    expect(table.size).toBe(0);
  });

  it('gives a removed id back to its owner reconnecting at the same clock, relayed above the removal, and its later clocks with it', () => {
    const claims: Record<string, string> = { [a]: 'user ada', 'a again': 'user ada', intruder: 'user eve' };
    const table = new AwarenessTable<string>(1024, 8, (owner) => claims[owner] ?? null);
    table.join(a);
    table.apply(a, update([1, 3, '{"v":1}']));
    table.removeOwner(a);
    expect(entries(table.takeFrame())).toEqual([[1, 3, 'null']]);
    table.join('intruder');
    expect(table.apply('intruder', update([1, 9, '{"v":"eve"}']))).toBe(AwarenessChange.None);
    table.join('a again');
    expect(table.apply('a again', update([1, 3, '{"v":1}']))).toBe(AwarenessChange.Changed);
    expect(entries(table.takeFrame())).toEqual([[1, 4, '{"v":1}']]);
    expect(table.apply('a again', update([1, 4, '{"v":2}']))).toBe(AwarenessChange.Changed);
    expect(table.apply('a again', update([1, 4, '{"v":3}']))).toBe(AwarenessChange.None);
    expect(entries(table.takeFrame())).toEqual([[1, 5, '{"v":2}']]);
    expect(table.apply('a again', update([1, 5, 'null']))).toBe(AwarenessChange.Changed);
    expect(entries(table.takeFrame())).toEqual([[1, 6, 'null']]);
  });

  it('refuses presence states that are not JSON objects with 4400, with or without a rewrite', () => {
    const table = new AwarenessTable<string>(1024, 8);
    for (const state of ['[1,2]', '12', '"text"', 'true']) {
      expect(
        closeCode(() => table.apply(a, update([1, 1, state]))),
        state,
      ).toBe(CloseCode.BadMessage);
    }
    table.apply(a, update([1, 1, '{"v":1}']));
    expect(closeCode(() => table.apply(a, update([1, 2, '[1]'])))).toBe(CloseCode.BadMessage);
    expect(entries(table.snapshotFrame())).toEqual([[1, 1, '{"v":1}']]);
  });

  it('lets the owner remove its state, at the same clock as y-protocols allows', () => {
    const table = new AwarenessTable<string>(1024, 8);
    table.apply(a, update([1, 3, '{"v":1}']));
    table.takeFrame();
    expect(table.apply(a, update([1, 3, 'null']))).toBe(AwarenessChange.Changed);
    expect(entries(table.takeFrame())).toEqual([[1, 3, 'null']]);
    expect(table.size).toBe(0);
  });

  it('refuses a state over the size limit (4413) and one that is not JSON (4400), changing nothing', () => {
    const table = new AwarenessTable<string>(16, 8);
    expect(closeCode(() => table.apply(a, update([1, 1, '{}'], [2, 1, JSON.stringify({ long: 'x'.repeat(16) })])))).toBe(CloseCode.TooLarge);
    expect(table.size).toBe(0);
    expect(closeCode(() => table.apply(a, update([1, 1, '{nope'])))).toBe(CloseCode.BadMessage);
    expect(table.size).toBe(0);
  });

  it('counts multi-byte characters by their UTF-8 bytes', () => {
    const table = new AwarenessTable<string>(24, 8);
    expect(closeCode(() => table.apply(a, update([1, 1, `{"é":"${'é'.repeat(8)}"}`])))).toBe(CloseCode.TooLarge);
    expect(closeCode(() => table.apply(a, update([1, 1, `{"é":"${'é'.repeat(7)}"}`])))).toBeNull();
  });

  it('refuses truncated and trailing bytes with 4400', () => {
    const table = new AwarenessTable<string>(1024, 8);
    const whole = update([1, 1, '{"v":1}']);
    expect(closeCode(() => table.apply(a, whole.subarray(0, whole.length - 2)))).toBe(CloseCode.BadMessage);
    expect(closeCode(() => table.apply(a, Uint8Array.from([...whole, 0])))).toBe(CloseCode.BadMessage);
  });

  it('refuses a connection introducing more client ids than allowed (4413), counting removals', () => {
    const table = new AwarenessTable<string>(1024, 2);
    table.apply(a, update([1, 1, '{}'], [2, 1, '{}']));
    expect(closeCode(() => table.apply(a, update([3, 1, '{}'])))).toBe(CloseCode.TooLarge);
    table.apply(a, update([2, 1, 'null']));
    expect(closeCode(() => table.apply(a, update([3, 1, '{}'])))).toBeNull();
    expect(closeCode(() => table.apply(b, update([4, 1, '{}'], [5, 1, '{}'])))).toBeNull();
  });
});

describe('telling a state that only moved from one that needs a parse', () => {
  const caret = (clock: number, x: number) =>
    JSON.stringify({ user: { name: 'Ada 2', color: '#e11d48' }, cursor: { anchor: { item: { client: 7, clock } }, assoc: -1 }, pointer: { x, y: -1.5e3 } });

  it('passes a caret or pointer that moved, and nothing that changed anything else', () => {
    expect(onlyDigitsChanged(caret(9, 40), caret(1234, 7))).toBe(true);
    expect(onlyDigitsChanged(caret(10, 40), caret(0, 40))).toBe(true);
    expect(onlyDigitsChanged('{"a":1}', '{"a":01}')).toBe(false); // a leading zero spoils a number
    expect(onlyDigitsChanged('{"a":1.5}', '{"a":1.05}')).toBe(false); // valid, but left to the parse
    expect(onlyDigitsChanged('{"a":"\\u0041"}', '{"a":"\\u41"}')).toBe(false); // escapes: never
    expect(onlyDigitsChanged('{"a":1}', '{"a":}')).toBe(false);
    expect(onlyDigitsChanged('{"a":1}', '{"b":1}')).toBe(false);
    expect(onlyDigitsChanged('{"a":1}', '{"a":1,}')).toBe(false);
    expect(onlyDigitsChanged('{"a":1}', '{"a":1')).toBe(false);
  });

  it('never passes a text JSON.parse refuses, over seeded states with their digits rewritten', async () => {
    await withSeed(async (rng) => {
      const digits = () => Array.from({ length: prng.uint32(rng, 0, 3) }, () => String(prng.uint32(rng, 0, 9))).join('');
      const value = (depth: number): unknown => {
        switch (prng.uint32(rng, 0, depth > 2 ? 2 : 4)) {
          case 0:
            return ((prng.bool(rng) ? -1 : 1) * prng.uint32(rng, 0, 5000)) / (prng.bool(rng) ? 1 : 100);
          case 1:
            return `s${digits()}${prng.bool(rng) ? '\u0001\n' : ''}${digits()}`;
          case 2:
            return prng.bool(rng) ? null : prng.uint32(rng, 0, 1) === 1;
          case 3:
            return Array.from({ length: prng.uint32(rng, 0, 3) }, () => value(depth + 1));
          default:
            return Object.fromEntries(Array.from({ length: prng.uint32(rng, 0, 3) }, (_, i) => [`k${i}${digits()}`, value(depth + 1)]));
        }
      };
      let passed = 0;
      for (let i = 0; i < 3000; i++) {
        const valid = JSON.stringify(value(0)) + (prng.bool(rng) ? '' : ' ');
        const next = valid.replace(/[0-9]+/g, (run) => (prng.uint32(rng, 0, 3) === 0 ? digits() : run));
        if (!onlyDigitsChanged(valid, next)) continue;
        passed++;
        expect(() => JSON.parse(next), next).not.toThrow();
      }
      expect(passed).toBeGreaterThan(1000);
    });
  });
});
