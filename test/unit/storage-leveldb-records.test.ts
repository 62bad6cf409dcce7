import { describe, expect, it } from 'vitest';
import type { DocumentMeta } from '../../server/storage/log-backend.js';
import {
  decodeLogSeq,
  decodeMeta,
  decodeMetaKey,
  decodeTombstone,
  encodeLogKey,
  encodeMeta,
  encodeMetaKey,
  encodeTombstone,
  encodeTombstoneKey,
  logRange,
  metaRange,
  tombstoneRange,
  type KeyRange,
} from '../../server/storage/leveldb-records.js';

/** LevelDB's default comparator: bytewise. */
function compare(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

function inRange(key: Uint8Array, range: KeyRange): boolean {
  return compare(key, range.gte) >= 0 && compare(key, range.lt) < 0;
}

describe('LevelDB records', () => {
  const seqs = [0, 1, 127, 255, 256, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];

  it('round-trips sequence numbers through log keys, up to the largest safe integer', () => {
    for (const seq of seqs) expect(decodeLogSeq(encodeLogKey('doc', seq))).toBe(seq);
  });

  it('orders the log keys of one document by sequence number', () => {
    const keys = seqs.map((seq) => encodeLogKey('doc', seq));
    const sorted = [...keys].sort(compare);
    expect(sorted.map(decodeLogSeq)).toEqual(seqs);
  });

  it('keeps each document log range free of every other document key', () => {
    const range = logRange('team/plan');
    for (const seq of seqs) expect(inRange(encodeLogKey('team/plan', seq), range)).toBe(true);
    for (const other of ['team', 'team/plan/x', 'team/plans', 'team/pla', 'team/plan-2', 'team/plan.x']) {
      for (const seq of [0, 2 ** 32, Number.MAX_SAFE_INTEGER]) expect(inRange(encodeLogKey(other, seq), range)).toBe(false);
      expect(inRange(encodeMetaKey(other), range)).toBe(false);
    }
    expect(inRange(encodeMetaKey('team/plan'), range)).toBe(false);
  });

  it('round-trips names through metadata keys, which all fall in the metadata range and no log range', () => {
    for (const name of ['a', 'team/plan', 'x.y~z@w:v+u-t_s']) {
      const key = encodeMetaKey(name);
      expect(decodeMetaKey(key)).toBe(name);
      expect(inRange(key, metaRange)).toBe(true);
      expect(inRange(encodeLogKey(name, 0), metaRange)).toBe(false);
    }
  });

  it('round-trips names through tombstone keys, which fall in the tombstone range only, and their times', () => {
    for (const name of ['a', 'team/plan']) {
      const key = encodeTombstoneKey(name);
      expect(decodeMetaKey(key)).toBe(name);
      expect(inRange(key, tombstoneRange)).toBe(true);
      expect(inRange(key, metaRange) || inRange(key, logRange(name))).toBe(false);
      expect(inRange(encodeMetaKey(name), tombstoneRange)).toBe(false);
    }
    for (const time of [0, Date.now(), 2 ** 50]) expect(decodeTombstone(encodeTombstone(time))).toBe(time);
  });

  it('round-trips metadata records, timestamps and large counts included', () => {
    const metas: DocumentMeta[] = [
      { nextSeq: 0, bytes: 0, updates: 0, updatedAt: 0, compactedBytes: 0 },
      { nextSeq: 2 ** 40, bytes: 2 ** 33 + 1, updates: 501, updatedAt: Date.now(), compactedBytes: 30_733 },
    ];
    for (const meta of metas) expect(decodeMeta(encodeMeta(meta))).toEqual(meta);
  });

  it('refuses a metadata record of a format it does not know', () => {
    const record = encodeMeta({ nextSeq: 1, bytes: 2, updates: 1, updatedAt: 3, compactedBytes: 0 });
    record[0] = 9;
    expect(() => decodeMeta(record)).toThrow(/format 9/);
  });
});
