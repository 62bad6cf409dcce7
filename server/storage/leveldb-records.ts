/**
 * How the LevelDB store lays out its keys and metadata values, as encode/decode pairs.
 *
 * Keys are binary and sort the way LevelDB iterates them:
 * - log entry: `l` + document name + 0x00 + sequence number (8 bytes, big-endian), so one
 *   document's log is one contiguous range in append order. Names never contain control
 *   characters (shared/document-name.ts), so the 0x00 separator keeps `a` and `a/b` apart.
 * - metadata: `m` + document name, so `list` is one range read in name order.
 * Values: a log entry holds the Yjs update bytes as they are; a metadata record is a format
 * version followed by varuints.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { DocumentMeta } from './log-backend.js';

const LOG_PREFIX = 0x6c; // 'l'
const META_PREFIX = 0x6d; // 'm'
const SEPARATOR = 0x00;
const SEQ_BYTES = 8;
const META_FORMAT = 1;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** A key range that LevelDB iterates in order: from `gte` up to, not including, `lt`. */
export interface KeyRange {
  gte: Uint8Array;
  lt: Uint8Array;
}

function prefixed(prefix: number, name: string, extra: number): Uint8Array {
  const nameBytes = utf8Encoder.encode(name);
  const key = new Uint8Array(1 + nameBytes.length + extra);
  key[0] = prefix;
  key.set(nameBytes, 1);
  return key;
}

/** The key of entry `seq` in the log of `name`. */
export function encodeLogKey(name: string, seq: number): Uint8Array {
  const key = prefixed(LOG_PREFIX, name, 1 + SEQ_BYTES);
  const view = new DataView(key.buffer);
  const at = key.length - SEQ_BYTES;
  key[at - 1] = SEPARATOR;
  view.setUint32(at, Math.floor(seq / 2 ** 32));
  view.setUint32(at + 4, seq >>> 0);
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
  const lt = gte.slice();
  gte[gte.length - 1] = SEPARATOR;
  lt[lt.length - 1] = SEPARATOR + 1;
  return { gte, lt };
}

/** The key of the metadata record of `name`. */
export function encodeMetaKey(name: string): Uint8Array {
  return prefixed(META_PREFIX, name, 0);
}

/** The document name of a key made by {@link encodeMetaKey}. */
export function decodeMetaKey(key: Uint8Array): string {
  return utf8Decoder.decode(key.subarray(1));
}

/** Every metadata key. */
export const metaRange: KeyRange = {
  gte: Uint8Array.of(META_PREFIX),
  lt: Uint8Array.of(META_PREFIX + 1),
};

/** A metadata record as stored. */
export function encodeMeta(meta: DocumentMeta): Uint8Array {
  return encoding.encode((encoder) => {
    encoding.writeVarUint(encoder, META_FORMAT);
    encoding.writeVarUint(encoder, meta.nextSeq);
    encoding.writeVarUint(encoder, meta.bytes);
    encoding.writeVarUint(encoder, meta.updates);
    encoding.writeVarUint(encoder, meta.updatedAt);
    encoding.writeVarUint(encoder, meta.compactedBytes);
  });
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
