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
import * as encoding from 'lib0/encoding';
import { utf8TextDecoder } from 'lib0/string';

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
      else all.push(...ranges);
    }
  }
  const encoder = encoding.createEncoder();
  // Clients in descending order, as Yjs writes them.
  const clients = [...runsOf.keys()].sort((a, b) => b - a);
  encoding.writeVarUint(encoder, clients.length);
  for (const client of clients) {
    const runs = (runsOf.get(client) as Run[]).sort((a, b) => a.clock - b.clock);
    let structs = 0;
    for (let i = 0; i < runs.length; i++) {
      const run = runs[i] as Run;
      if (i > 0 && run.clock !== (runs[i - 1] as Run).end) return null;
      structs += run.structs;
    }
    encoding.writeVarUint(encoder, structs);
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, (runs[0] as Run).clock);
    for (const run of runs) encoding.writeUint8Array(encoder, run.bytes);
  }
  writeDeleteSet(encoder, deletes);
  return encoding.toUint8Array(encoder);
}

/**
 * The state vector of `update`, as `Y.encodeStateVectorFromUpdate` gives it, or null when the
 * update is not laid out as expected (see the top of this file).
 */
export function stateVectorOfUpdate(update: Uint8Array): Uint8Array | null {
  const read = readUpdateRuns(update);
  if (read === null) return null;
  const encoder = encoding.createEncoder();
  // A client's clock counts only from 0: structs after a gap wait for what is missing.
  const known = read.runs.filter(({ run }) => run.clock === 0 && run.end > 0);
  encoding.writeVarUint(encoder, known.length);
  for (const { client, run } of known) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, run.end);
  }
  return encoding.toUint8Array(encoder);
}

/** The runs and deletes of `update`, or null when it is not laid out as expected. */
function readUpdateRuns(update: Uint8Array): UpdateRuns | null {
  try {
    const decoder = decoding.createDecoder(update);
    const runs: UpdateRuns['runs'] = [];
    const seen = new Set<number>();
    const clients = decoding.readVarUint(decoder);
    for (let i = 0; i < clients; i++) {
      const structs = decoding.readVarUint(decoder);
      const client = decoding.readVarUint(decoder);
      const clock = decoding.readVarUint(decoder);
      // Yjs keeps only the last run of a client listed twice; leave that to it.
      if (seen.has(client)) return null;
      seen.add(client);
      const start = decoder.pos;
      let end = clock;
      for (let s = 0; s < structs; s++) {
        const length = skipStruct(decoder);
        if (length < 0) return null;
        end += length;
      }
      if (structs > 0) runs.push({ client, run: { clock, end, structs, bytes: update.subarray(start, decoder.pos) } });
    }
    const deletes = new Map<number, number[]>();
    const deleteClients = decoding.readVarUint(decoder);
    for (let i = 0; i < deleteClients; i++) {
      const client = decoding.readVarUint(decoder);
      const count = decoding.readVarUint(decoder);
      const ranges = deletes.get(client) ?? [];
      for (let r = 0; r < count; r++) ranges.push(decoding.readVarUint(decoder), decoding.readVarUint(decoder));
      deletes.set(client, ranges);
    }
    return decoding.hasContent(decoder) ? null : { runs, deletes };
  } catch {
    // Cut short or malformed: Yjs will say what is wrong with it.
    return null;
  }
}

/** Reads past one struct; its length in clock units, or -1 for one this file does not read. */
function skipStruct(decoder: decoding.Decoder): number {
  const info = decoding.readUint8(decoder);
  const ref = info & CONTENT_REF_BITS;
  if (ref === ContentRef.GC) return decoding.readVarUint(decoder);
  if (info & HAS_ORIGIN) skipId(decoder);
  if (info & HAS_RIGHT_ORIGIN) skipId(decoder);
  if ((info & (HAS_ORIGIN | HAS_RIGHT_ORIGIN)) === 0) {
    // The parent: a root type's name, or the id of the item holding the type.
    if (decoding.readVarUint(decoder) === 1) skipString(decoder);
    else skipId(decoder);
    if (info & HAS_PARENT_SUB) skipString(decoder);
  }
  switch (ref) {
    case ContentRef.Deleted:
      return decoding.readVarUint(decoder);
    case ContentRef.Json: {
      const count = decoding.readVarUint(decoder);
      for (let i = 0; i < count; i++) skipString(decoder);
      return count;
    }
    case ContentRef.Binary:
      decoding.readVarUint8Array(decoder);
      return 1;
    case ContentRef.String:
      return skipString(decoder);
    case ContentRef.Embed:
      skipString(decoder);
      return 1;
    case ContentRef.Format:
      skipString(decoder);
      skipString(decoder);
      return 1;
    case ContentRef.Type: {
      const typeRef = decoding.readVarUint(decoder);
      if (typeRef > HIGHEST_TYPE_REF) return -1;
      if (NAMED_TYPE_REFS.has(typeRef)) skipString(decoder);
      return 1;
    }
    case ContentRef.Any: {
      const count = decoding.readVarUint(decoder);
      for (let i = 0; i < count; i++) decoding.readAny(decoder);
      return count;
    }
    case ContentRef.Doc:
      skipString(decoder);
      decoding.readAny(decoder);
      return 1;
    default:
      // A Skip (10) or a ref this version of Yjs does not know.
      return -1;
  }
}

function skipId(decoder: decoding.Decoder): void {
  decoding.readVarUint(decoder);
  decoding.readVarUint(decoder);
}

/** Reads past a string; its length in UTF-16 code units, which is what Yjs counts. */
function skipString(decoder: decoding.Decoder): number {
  const bytes = decoding.readVarUint8Array(decoder);
  for (const byte of bytes) {
    // Not plain ASCII: decode it the way Yjs will (throwing on bad UTF-8, as Yjs would).
    if (byte >= 0x80) return (utf8TextDecoder as TextDecoder).decode(bytes).length;
  }
  return bytes.length;
}

/** Writes a delete set of flat `clock, length` pairs per client, ranges sorted and merged. */
function writeDeleteSet(encoder: encoding.Encoder, deletes: Map<number, number[]>): void {
  const clients = [...deletes.keys()].sort((a, b) => b - a);
  encoding.writeVarUint(encoder, clients.length);
  for (const client of clients) {
    const flat = deletes.get(client) as number[];
    const ranges: Array<[number, number]> = [];
    for (let i = 0; i < flat.length; i += 2) ranges.push([flat[i] as number, flat[i + 1] as number]);
    ranges.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const [clock, length] of ranges) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last[0] + last[1] >= clock) last[1] = Math.max(last[1], clock + length - last[0]);
      else merged.push([clock, length]);
    }
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, merged.length);
    for (const [clock, length] of merged) {
      encoding.writeVarUint(encoder, clock);
      encoding.writeVarUint(encoder, length);
    }
  }
}
