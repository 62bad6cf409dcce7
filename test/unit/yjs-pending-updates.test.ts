/**
 * The holder of updates that wait for their dependencies (server/yjs/pending-updates.ts): what
 * waits stays out of the doc's store, is offered again only when what it needs arrives, and is
 * dropped past its bounds with its senders named.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { PendingUpdates, type PendingBound } from '../../server/yjs/pending-updates.js';
import { dependentUpdates } from '../helpers/text-docs.js';

const BOUNDS = { maxPendingUpdateBytes: 64 * 1024, maxPendingUpdateAgeMs: 1_000 };

/** Updates of writer `clientID` typing `text` one character per update. */
function keystrokes(clientID: number, text: string): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const updates: Uint8Array[] = [];
  for (const char of text) {
    const before = Y.encodeStateVector(doc);
    doc.getText('text').insert(doc.getText('text').length, char);
    updates.push(Y.encodeStateAsUpdate(doc, before));
  }
  return { doc, updates };
}

describe('pending updates', () => {
  const docs: Y.Doc[] = [];
  const holders: PendingUpdates<string>[] = [];

  afterEach(() => {
    vi.useRealTimers();
    for (const holder of holders.splice(0)) holder.clear();
    for (const doc of docs.splice(0)) doc.destroy();
  });

  function holder(exceeded: (senders: ReadonlySet<string>, bound: PendingBound) => void = () => undefined): { doc: Y.Doc; pending: PendingUpdates<string> } {
    const doc = new Y.Doc();
    const pending = new PendingUpdates<string>(doc, BOUNDS, exceeded);
    docs.push(doc);
    holders.push(pending);
    return { doc, pending };
  }

  it('keeps what waits out of the doc and integrates it in the transaction of what it waited for', () => {
    const { doc, pending } = holder();
    const { base, dependent } = dependentUpdates('base', ' and more');
    const origins: unknown[] = [];
    doc.on('update', (_update: Uint8Array, origin: unknown) => origins.push(origin));
    expect(pending.apply(dependent, 'early', 'early')).toEqual({ waits: true, retried: false });
    expect(doc.store.pendingStructs).toBeNull();
    expect(pending.holding).toBe(true);
    expect(pending.apply(base, 'late', 'late')).toEqual({ waits: false, retried: true });
    expect(doc.getText('text').toString()).toBe('base and more');
    expect(pending.holding).toBe(false);
    expect(origins).toEqual(['late']);
  });

  it("does not offer what waits on a writer's later clock again at each of that writer's edits", () => {
    const { pending } = holder();
    const honest = keystrokes(555, 'abcdefgh');
    // Another client's insertion right after the honest writer's last character, sent first.
    const other = new Y.Doc();
    other.clientID = 999;
    Y.applyUpdate(other, Y.encodeStateAsUpdate(honest.doc));
    const before = Y.encodeStateVector(other);
    other.getText('text').insert(8, '!');
    expect(pending.apply(Y.encodeStateAsUpdate(other, before), null, 'other').waits).toBe(true);
    const retried = honest.updates.map((update) => pending.apply(update, null, 'honest').retried);
    expect(retried).toEqual([false, false, false, false, false, false, false, true]);
    expect(pending.holding).toBe(false);
    other.destroy();
    honest.doc.destroy();
  });

  it('drops what waits past the byte bound and names its senders', () => {
    const dropped: [string[], PendingBound][] = [];
    const { doc, pending } = holder((senders, bound) => dropped.push([[...senders], bound]));
    expect(pending.apply(afterUnsentFirst(1, 1024), null, 'small').waits).toBe(true);
    expect(dropped).toEqual([]);
    expect(pending.apply(afterUnsentFirst(2, BOUNDS.maxPendingUpdateBytes), null, 'large').waits).toBe(true);
    expect(dropped).toEqual([[['small', 'large'], 'bytes']]);
    expect(pending.holding).toBe(false);
    expect(doc.getText('text').toString()).toBe('');
  });

  it('drops what waits past the age bound, and not before', () => {
    vi.useFakeTimers();
    const dropped: [string[], PendingBound][] = [];
    const { pending } = holder((senders, bound) => dropped.push([[...senders], bound]));
    const { dependent } = dependentUpdates('base', ' and more');
    pending.apply(dependent, null, 'stuck');
    vi.advanceTimersByTime(BOUNDS.maxPendingUpdateAgeMs - 1);
    expect(dropped).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(dropped).toEqual([[['stuck'], 'age']]);
    expect(pending.holding).toBe(false);
  });
});

/** Text of `size` characters by `clientID`, without the first character it was typed after. */
function afterUnsentFirst(clientID: number, size: number): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  doc.getText('text').insert(0, 'x');
  const before = Y.encodeStateVector(doc);
  doc.getText('text').insert(1, 'y'.repeat(size));
  const update = Y.encodeStateAsUpdate(doc, before);
  doc.destroy();
  return update;
}
