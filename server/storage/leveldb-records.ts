/**
 * How the LevelDB store lays out its keys and metadata values, as encode/decode pairs.
 *
 * Keys are binary and sort the way LevelDB iterates them:
 * - log entry: `l` + document name + 0x00 + sequence number (8 bytes, big-endian), so one
 *   document's log is one contiguous range in append order. Names never contain control
 *   characters (shared/document-name.ts), so the 0x00 separator keeps `a` and `a/b` apart.
 * - metadata: `m` + document name, so `list` is one range read in name order.
 * - tombstone: `t` + document name, while a deleted document has nothing stored again; its value
 *   is when it was deleted (ms since epoch, a varuint).
 * Values: a log entry holds the Yjs update bytes as they are; a metadata record is a format
 * version followed by varuints.
 */
import * as decoding from 'lib0/decoding';
import { putVarUint, varUintSize } from '../bytes/var-uint.js';
import type { DocumentMeta } from './log-backend.js';

const LOG_PREFIX = 0x6c; // 'l'
const META_PREFIX = 0x6d; // 'm'
const TOMBSTONE_PREFIX = 0x74; // 't'
const SEPARATOR = 0x00;
const SEQ_BYTES = 8;
const META_FORMAT = 1;

const utf8Decoder = new TextDecoder();

/** A key range that LevelDB iterates in order: from `gte` up to, not including, `lt`. */
export interface KeyRange {
  gte: Uint8Array;
  lt: Uint8Array;
}

/**
 * `prefix` + the UTF-8 of `name` + `extra` bytes for the caller to fill, in one pooled buffer
 * (keys are written for every append; see ../bytes/var-uint.ts).
 */
function prefixed(prefix: number, name: string, extra: number): Buffer {
  const nameBytes = Buffer.byteLength(name, 'utf8');
  const key = Buffer.allocUnsafe(1 + nameBytes + extra);
  key[0] = prefix;
  key.write(name, 1, nameBytes, 'utf8');
  return key;
}

/** The key of entry `seq` in the log of `name`. */
export function encodeLogKey(name: string, seq: number): Uint8Array {
  const key = prefixed(LOG_PREFIX, name, 1 + SEQ_BYTES);
  const at = key.length - SEQ_BYTES;
  key[at - 1] = SEPARATOR;
  key.writeUInt32BE(Math.floor(seq / 2 ** 32), at);
  key.writeUInt32BE(seq >>> 0, at + 4);
  return key;
}

/** The sequence number of a key made by {@link encodeLogKey}. */
export function decodeLogSeq(key: Uint8Array): number {
  const view = new DataView(key.buffer, key.byteOffset + key.length - SEQ_BYTES, SEQ_BYTES);
  return view.getUint32(0) * 2 ** 32 + view.getUint32(4);
}

/** Every log key of `name`, and nothing of any other document. */
export function logRange(name: string): KeyRange {
  const gte = prefixed(LOG_PREFIX, name, 1);
  const lt = Buffer.from(gte); // a copy (Buffer's own slice would share the bytes)
  gte[gte.length - 1] = SEPARATOR;
  lt[lt.length - 1] = SEPARATOR + 1;
  return { gte, lt };
}

/** The key of the metadata record of `name`. */
export function encodeMetaKey(name: string): Uint8Array {
  return prefixed(META_PREFIX, name, 0);
}

/**
 * The document name of a key made by {@link encodeMetaKey} or {@link encodeTombstoneKey}: both
 * are one prefix byte and the name.
 */
export function decodeMetaKey(key: Uint8Array): string {
  return utf8Decoder.decode(key.subarray(1));
}

/** Every key starting with `prefix`. */
function prefixRange(prefix: number): KeyRange {
  return { gte: Uint8Array.of(prefix), lt: Uint8Array.of(prefix + 1) };
}

/** Every metadata key. */
export const metaRange: KeyRange = prefixRange(META_PREFIX);

/** The key of the tombstone of `name`. */
export function encodeTombstoneKey(name: string): Uint8Array {
  return prefixed(TOMBSTONE_PREFIX, name, 0);
}

/** Every tombstone key. */
export const tombstoneRange: KeyRange = prefixRange(TOMBSTONE_PREFIX);

/** A tombstone's value: when the document was deleted. */
export function encodeTombstone(deletedAt: number): Uint8Array {
  const value = Buffer.allocUnsafe(varUintSize(deletedAt));
  putVarUint(value, 0, deletedAt);
  return value;
}

/** The time a value written by {@link encodeTombstone} holds. */
export function decodeTombstone(value: Uint8Array): number {
  return decoding.readVarUint(decoding.createDecoder(value));
}

/** A metadata record as stored. */
export function encodeMeta(meta: DocumentMeta): Uint8Array {
  const fields = [META_FORMAT, meta.nextSeq, meta.bytes, meta.updates, meta.updatedAt, meta.compactedBytes];
  const record = Buffer.allocUnsafe(fields.reduce((size, field) => size + varUintSize(field), 0));
  let at = 0;
  for (const field of fields) at = putVarUint(record, at, field);
  return record;
}

/** The record written by {@link encodeMeta}; throws on a format this version does not know. */
export function decodeMeta(value: Uint8Array): DocumentMeta {
  const decoder = decoding.createDecoder(value);
  const format = decoding.readVarUint(decoder);
  if (format !== META_FORMAT) throw new Error(`unknown metadata format ${format}`);
  return {
    nextSeq: decoding.readVarUint(decoder),
    bytes: decoding.readVarUint(decoder),
    updates: decoding.readVarUint(decoder),
    updatedAt: decoding.readVarUint(decoder),
    compactedBytes: decoding.readVarUint(decoder),
  };
}
