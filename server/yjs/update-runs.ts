/**
 * Merging Yjs updates by moving their bytes rather than decoding them.
 *
 * A Yjs update (format v1) lists, per client, a run of structs from a start clock, then a delete
 * set. Each struct is encoded on its own: nothing in it refers to its neighbours' bytes. So when
 * the runs of a client in several updates follow one another (each starts at the clock where
 * the one before ends, as the updates of one writer do), their merge is the runs' bytes laid
 * end to end under one header, and the delete sets merged range by range. `Y.mergeUpdates`
 * gets the same document by decoding every struct into an object and encoding it again, which
 * costs 5-20 times more; on a cold start of the server, with nothing compiled yet, that was
 * most of the time a first reader waited for a long log.
 *
 * Reading a run only walks its structs to learn their lengths. The updates merged here are
 * ones Yjs encoded (read from storage, or emitted by a room's doc), so this checks their
 * layout, not their content: anything it does not expect (a Skip struct, runs of a client that
 * overlap or leave a gap, an unknown content type, bytes left over) makes it answer null, and
 * the caller uses Yjs instead.
 */
import * as decoding from 'lib0/decoding';
import { utf8TextDecoder } from 'lib0/string';
import { putVarUint, varUintSize } from '../bytes/var-uint.js';

/** Structs of one client in one update: `structs` structs from `clock` to `end`, as encoded. */
interface Run {
  clock: number;
  end: number;
  structs: number;
  bytes: Uint8Array;
}

/** What an update holds, read without decoding its structs. */
interface UpdateRuns {
  /** In the order of the update. */
  runs: Array<{ client: number; run: Run }>;
  /** Deleted ranges per client, as flat `clock, length` pairs. */
  deletes: Map<number, number[]>;
}

/** Content refs of Yjs item structs (`readItemContent`); 0 is a GC struct, 10 a Skip. */
const ContentRef = { GC: 0, Deleted: 1, Json: 2, Binary: 3, String: 4, Embed: 5, Format: 6, Type: 7, Any: 8, Doc: 9 } as const;
/** Type refs of `ContentType` that carry a name (XmlElement, XmlHook); 6 is the highest ref. */
const NAMED_TYPE_REFS = new Set([3, 5]);
const HIGHEST_TYPE_REF = 6;
const HAS_ORIGIN = 0x80;
const HAS_RIGHT_ORIGIN = 0x40;
const HAS_PARENT_SUB = 0x20;
const CONTENT_REF_BITS = 0x1f;

/**
 * One update with the document of every update in `updates` (in any order), as
 * `Y.mergeUpdates` gives, or null when their runs do not follow one another (see the top of
 * this file). One update is returned as it is.
 */
export function concatUpdates(updates: readonly Uint8Array[]): Uint8Array | null {
  if (updates.length === 1) return updates[0] as Uint8Array;
  return concatRuns(updates)?.merged ?? null;
}

/**
 * {@link concatUpdates}, remembering the state vector of what it wrote, for the load of a stored
 * log: the room that loads it asks for that state vector next ({@link stateVectorOfUpdate}), and
 * the walk over every struct is done already. Not on the path of live edits, which never ask.
 */
export function concatUpdatesForLoad(updates: readonly Uint8Array[]): Uint8Array | null {
  if (updates.length === 1) return updates[0] as Uint8Array;
  const concatenated = concatRuns(updates);
  if (concatenated === null) return null;
  const { merged, clients, runsOf } = concatenated;
  const spans = clients.map((client) => {
    const runs = runsOf.get(client) as Run[];
    return { client, clock: (runs[0] as Run).clock, end: (runs[runs.length - 1] as Run).end };
  });
  stateVectors.set(merged, encodeStateVector(spans));
  return merged;
}

/** The merge of {@link concatUpdates} with the runs it laid out, or null. */
function concatRuns(updates: readonly Uint8Array[]): { merged: Uint8Array; clients: number[]; runsOf: Map<number, Run[]> } | null {
  const runsOf = new Map<number, Run[]>();
  const deletes = new Map<number, number[]>();
  for (const update of updates) {
    const read = readUpdateRuns(update);
    if (read === null) return null;
    for (const { client, run } of read.runs) {
      const runs = runsOf.get(client);
      if (runs === undefined) runsOf.set(client, [run]);
      else runs.push(run);
    }
    for (const [client, ranges] of read.deletes) {
      const all = deletes.get(client);
      if (all === undefined) deletes.set(client, ranges);
      else for (const value of ranges) all.push(value);
    }
  }
  // Clients in descending order, as Yjs writes them.
  const clients = [...runsOf.keys()].sort((a, b) => b - a);
  const structsOf: number[] = [];
  let size = varUintSize(clients.length);
  for (const client of clients) {
    const runs = (runsOf.get(client) as Run[]).sort((a, b) => a.clock - b.clock);
    let structs = 0;
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i] as Run;
      if (i > 0 && run.clock !== (runs[i - 1] as Run).end) return null;
      structs += run.structs;
      size += run.bytes.length;
    }
    structsOf.push(structs);
    size += varUintSize(structs) + varUintSize(client) + varUintSize((runs[0] as Run).clock);
  }
  // Written once into an update of its exact size: an encoder growing by doubling copied a
  // long log's document twice more.
  const deleteSet = encodeDeleteSet(deletes);
  const merged = new Uint8Array(size + deleteSet.length);
  let at = putVarUint(merged, 0, clients.length);
  for (let c = 0; c < clients.length; c++) {
    const runs = runsOf.get(clients[c] as number) as Run[];
    at = putVarUint(merged, at, structsOf[c] as number);
    at = putVarUint(merged, at, clients[c] as number);
    at = putVarUint(merged, at, (runs[0] as Run).clock);
    for (const run of runs) {
      merged.set(run.bytes, at);
      at += run.bytes.length;
    }
  }
  merged.set(deleteSet, at);
  return { merged, clients, runsOf };
}

/** `values` as lib0's variable-length integers, one after another. */
function varUints(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * MAX_VAR_UINT_BYTES);
  let at = 0;
  for (const value of values) at = putVarUint(out, at, value);
  return out.subarray(0, at);
}

/** The state vectors of the updates {@link concatUpdatesForLoad} wrote, known without reading them again. */
const stateVectors = new WeakMap<Uint8Array, Uint8Array>();

/** The state vector of `update` if this file wrote it, else null (nothing is read). */
export function rememberedStateVector(update: Uint8Array): Uint8Array | null {
  return stateVectors.get(update) ?? null;
}

/**
 * The state vector of `update`, as `Y.encodeStateVectorFromUpdate` gives it, or null when the
 * update is not laid out as expected (see the top of this file).
 */
export function stateVectorOfUpdate(update: Uint8Array): Uint8Array | null {
  const remembered = stateVectors.get(update);
  if (remembered !== undefined) return remembered;
  const read = readUpdateRuns(update);
  if (read === null) return null;
  return encodeStateVector(read.runs.map(({ client, run }) => ({ client, clock: run.clock, end: run.end })));
}

/** The state vector of clients whose structs span `clock` to `end`, in their order. */
function encodeStateVector(spans: ReadonlyArray<{ client: number; clock: number; end: number }>): Uint8Array {
  // A client's clock counts only from 0: structs after a gap wait for what is missing.
  const known = spans.filter(({ clock, end }) => clock === 0 && end > 0);
  return varUints([known.length, ...known.flatMap(({ client, end }) => [client, end])]);
}

/** The runs and deletes of `update`, or null when it is not laid out as expected. */
function readUpdateRuns(update: Uint8Array): UpdateRuns | null {
  try {
    return new UpdateScan(update).read();
  } catch {
    // Cut short or malformed: Yjs will say what is wrong with it.
    return null;
  }
}

/**
 * Reads an update's layout. Variable-length integers are read straight from the bytes, and the
 * loop over structs stays in one method: on a cold start (nothing compiled yet) a read through
 * lib0's decoder, a few function calls per field, made the merge of a log of 1,000 updates of
 * 100 operations take 57-73 ms, most of a first reader's wait; with this scan and the delete set
 * written below, 26-40 ms. The rare contents (JSON, binary, any, subdocuments) go through lib0,
 * which knows their encodings.
 */
class UpdateScan {
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  read(): UpdateRuns | null {
    const bytes = this.bytes;
    const runs: UpdateRuns['runs'] = [];
    const seen = new Set<number>();
    const clients = this.varUint();
    for (let i = 0; i < clients; i++) {
      const structs = this.varUint();
      const client = this.varUint();
      const clock = this.varUint();
      // Yjs keeps only the last run of a client listed twice; leave that to it.
      if (seen.has(client)) return null;
      seen.add(client);
      const start = this.pos;
      let end = clock;
      for (let s = 0; s < structs; s++) {
        const info = bytes[this.pos++] as number;
        const ref = info & CONTENT_REF_BITS;
        if (ref === ContentRef.GC) {
          end += this.varUint();
          continue;
        }
        if (info & HAS_ORIGIN) this.skipVarUints(2);
        if (info & HAS_RIGHT_ORIGIN) this.skipVarUints(2);
        if ((info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN)) === 0) {
          // The parent: a root type's name, or the id of the item holding the type.
          if (this.varUint() === 1) this.string();
          else this.skipVarUints(2);
          if (info & HAS_PARENT_SUB) this.string();
        }
        if (ref === ContentRef.String) end += this.string();
        else if (ref === ContentRef.Deleted) end += this.varUint();
        else if (ref === ContentRef.Format) {
          this.string();
          this.string();
          end += 1;
        } else {
          const length = this.rareContent(ref);
          if (length < 0) return null;
          end += length;
        }
      }
      if (this.pos > bytes.length) return null;
      if (structs > 0) runs.push({ client, run: { clock, end, structs, bytes: bytes.subarray(start, this.pos) } });
    }
    const deletes = new Map<number, number[]>();
    const deleteClients = this.varUint();
    for (let i = 0; i < deleteClients; i++) {
      const client = this.varUint();
      const count = this.varUint();
      let ranges = deletes.get(client);
      if (ranges === undefined) {
        ranges = [];
        deletes.set(client, ranges);
      }
      for (let r = 0; r < count; r++) ranges.push(this.varUint(), this.varUint());
    }
    return this.pos === bytes.length ? { runs, deletes } : null;
  }

  /** Reads an unsigned LEB128 integer as lib0 writes it; throws past the end or beyond 2^53. */
  private varUint(): number {
    const bytes = this.bytes;
    let byte = bytes[this.pos++];
    if (byte === undefined) throw new RangeError('unexpected end of update');
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let scale = 0x80;
    for (;;) {
      byte = bytes[this.pos++];
      if (byte === undefined) throw new RangeError('unexpected end of update');
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
      if (scale > Number.MAX_SAFE_INTEGER) throw new RangeError('integer out of range');
    }
  }

  private skipVarUints(count: number): void {
    const bytes = this.bytes;
    for (let i = 0; i < count; i++) {
      while ((bytes[this.pos++] ?? 0) >= 0x80);
    }
  }

  /** Reads past a string; its length in UTF-16 code units, which is what Yjs counts. */
  private string(): number {
    const length = this.varUint();
    const start = this.pos;
    const end = start + length;
    if (end > this.bytes.length) throw new RangeError('unexpected end of update');
    this.pos = end;
    for (let i = start; i < end; i++) {
      // Not plain ASCII: decode it the way Yjs will (throwing on bad UTF-8, as Yjs would).
      if ((this.bytes[i] as number) >= 0x80) return (utf8TextDecoder as TextDecoder).decode(this.bytes.subarray(start, end)).length;
    }
    return length;
  }

  /** The clock length of a content other than a string, deletion or format; -1 for one not read here. */
  private rareContent(ref: number): number {
    const decoder = decoding.createDecoder(this.bytes);
    decoder.pos = this.pos;
    const length = skipContent(decoder, ref);
    this.pos = decoder.pos;
    return length;
  }
}

/** Reads past one content of these kinds; its length in clock units, or -1 for one this file does not read. */
function skipContent(decoder: decoding.Decoder, ref: number): number {
  switch (ref) {
    case ContentRef.Json: {
      const count = decoding.readVarUint(decoder);
      for (let i = 0; i < count; i++) decoding.readVarString(decoder);
      return count;
    }
    case ContentRef.Binary:
      decoding.readVarUint8Array(decoder);
      return 1;
    case ContentRef.Embed:
      decoding.readVarString(decoder);
      return 1;
    case ContentRef.Type: {
      const typeRef = decoding.readVarUint(decoder);
      if (typeRef > HIGHEST_TYPE_REF) return -1;
      if (NAMED_TYPE_REFS.has(typeRef)) decoding.readVarString(decoder);
      return 1;
    }
    case ContentRef.Any: {
      const count = decoding.readVarUint(decoder);
      for (let i = 0; i < count; i++) decoding.readAny(decoder);
      return count;
    }
    case ContentRef.Doc:
      decoding.readVarString(decoder);
      decoding.readAny(decoder);
      return 1;
    default:
      // A Skip (10) or a ref this version of Yjs does not know.
      return -1;
  }
}

/** Bytes of the longest variable-length integer below 2^53 (7 bits per byte). */
const MAX_VAR_UINT_BYTES = 8;
/** Index bits of a sort key: a range's clock times 2^21 plus its index stays below 2^53. */
const KEY_INDEX_BITS = 2 ** 21;
const KEY_MAX_CLOCK = 2 ** 32;

/**
 * A delete set of flat `clock, length` pairs per client, ranges sorted and merged, encoded as
 * Yjs encodes one. The ranges are sorted as numbers (clock and index in one key) rather than with
 * a comparator over pairs, and written straight into an array of their largest size rather than
 * through an encoder: a log of 1,000 updates carries 30,000 ranges, and the comparator sort and
 * the encoder's calls were half of a cold merge.
 */
function encodeDeleteSet(deletes: Map<number, number[]>): Uint8Array {
  const clients = [...deletes.keys()].sort((a, b) => b - a);
  const ranges = clients.map((client) => {
    const flat = deletes.get(client) as number[];
    return mergeRanges(flat, sortedRangeOrder(flat));
  });
  let values = 1;
  for (const merged of ranges) values += 2 + merged.length;
  const out = new Uint8Array(values * MAX_VAR_UINT_BYTES);
  let at = putVarUint(out, 0, clients.length);
  for (let i = 0; i < clients.length; i++) {
    const merged = ranges[i] as number[];
    at = putVarUint(out, at, clients[i] as number);
    at = putVarUint(out, at, merged.length / 2);
    for (const value of merged) at = putVarUint(out, at, value);
  }
  return out.subarray(0, at);
}

/** The indexes of the ranges of `flat` (pairs) in order of their clocks. */
function sortedRangeOrder(flat: readonly number[]): Uint32Array {
  const count = flat.length / 2;
  const order = new Uint32Array(count);
  let fits = count < KEY_INDEX_BITS;
  for (let i = 0; i < count && fits; i++) fits = (flat[2 * i] as number) < KEY_MAX_CLOCK;
  if (!fits) {
    for (let i = 0; i < count; i++) order[i] = i;
    return order.sort((a, b) => (flat[2 * a] as number) - (flat[2 * b] as number));
  }
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) keys[i] = (flat[2 * i] as number) * KEY_INDEX_BITS + i;
  keys.sort();
  for (let i = 0; i < count; i++) order[i] = (keys[i] as number) % KEY_INDEX_BITS;
  return order;
}

/** The ranges of `flat` taken in `order`, overlapping and touching ones merged, as flat pairs. */
function mergeRanges(flat: readonly number[], order: Uint32Array): number[] {
  const merged: number[] = [];
  for (const index of order) {
    const clock = flat[2 * index] as number;
    const end = clock + (flat[2 * index + 1] as number);
    const last = merged.length - 2;
    if (last >= 0 && (merged[last] as number) + (merged[last + 1] as number) >= clock) {
      merged[last + 1] = Math.max(merged[last + 1] as number, end - (merged[last] as number));
    } else merged.push(clock, end - clock);
  }
  return merged;
}
