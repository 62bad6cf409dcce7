/**
 * The write-ahead journal in front of the LevelDB store.
 *
 * Why: a LevelDB batch is written on a libuv worker thread, so every group commit costs a
 * thread wake-up there and an event-loop wake-up back, with both cores busy under load. On
 * 200 documents x 2 writers that hop, about 1,300 times a second, was a fifth of the server's
 * CPU. The journal appends each group commit to a plain file with one `write` on the event loop
 * instead: once it returns, the bytes are in the OS page cache, exactly as durable as a LevelDB
 * write without `sync` (they survive the process being killed, not the machine losing power).
 * The writes then reach LevelDB in one batch a few times a second.
 *
 * Files: `tandem-journal.<n>` in the store's folder (LevelDB ignores names it does not know).
 * Appends go to the newest file. Moving the queued writes into LevelDB first starts a new file,
 * then removes the old one once LevelDB has them, so at most the oldest file present can
 * already be in LevelDB, and replaying it again (puts, deletes and metadata records, in order)
 * changes nothing: the files present at open are replayed oldest first, then removed.
 *
 * Record: u32 length, u32 CRC-32 of the payload, payload (both big-endian). A record cut short
 * or failing its CRC (a torn write at a power loss, a flipped bit on disk) is damage: the replay
 * skips to the next offset where a record's length and CRC check out, so intact records after it
 * are kept, and reports the damage (file and offset) so that the store logs it and keeps the
 * file aside for inspection. An append that fails is cut off again, so a full disk leaves no
 * torn record behind.
 */
import { closeSync, ftruncateSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

const PREFIX = 'tandem-journal.';
const HEADER_BYTES = 8;
/** What a damaged journal file is renamed to carry, before a timestamp: `tandem-journal.000007.damaged-<ms>`. */
const DAMAGED_MARK = '.damaged-';

/** Bytes of a journal file that held no intact record. */
export interface JournalDamage {
  /** Where the damage starts. */
  readonly offset: number;
  /** How many bytes were skipped, up to the next intact record or the end of the file. */
  readonly bytes: number;
}

/** One journal file found at open, with the payloads of its intact records in order. */
export interface JournalFile {
  readonly number: number;
  readonly path: string;
  readonly records: Uint8Array[];
  /** The stretches that held no intact record, in file order; empty for an intact file. */
  readonly damage: JournalDamage[];
}

/** The journal files in `dir`, oldest first, each with its intact records. */
export function readJournal(dir: string): JournalFile[] {
  const numbers = readdirSync(dir)
    .filter((name) => name.startsWith(PREFIX) && /^\d+$/.test(name.slice(PREFIX.length)))
    .map((name) => Number(name.slice(PREFIX.length)))
    .sort((a, b) => a - b);
  return numbers.map((number) => {
    const path = pathOf(dir, number);
    return { number, path, ...readRecords(readFileSync(path)) };
  });
}

/** The intact records of one journal file's bytes, and the damage between them. */
export function readRecords(bytes: Buffer): { records: Uint8Array[]; damage: JournalDamage[] } {
  const records: Uint8Array[] = [];
  const damage: JournalDamage[] = [];
  let at = 0;
  while (at < bytes.length) {
    const payload = recordAt(bytes, at);
    if (payload !== null) {
      records.push(payload);
      at += HEADER_BYTES + payload.length;
      continue;
    }
    let next = at + 1;
    while (next < bytes.length && recordAt(bytes, next) === null) next++;
    damage.push({ offset: at, bytes: next - at });
    at = next;
  }
  return { records, damage };
}

/**
 * The payload of the record at `at`, or null unless a whole one is there with its CRC right.
 * Payloads are never empty (see `JournalWriter.append`), which keeps a run of zero bytes (a
 * header of length 0 and CRC 0) from reading as records.
 */
function recordAt(bytes: Buffer, at: number): Uint8Array | null {
  if (at + HEADER_BYTES > bytes.length) return null;
  const length = bytes.readUInt32BE(at);
  const end = at + HEADER_BYTES + length;
  if (length === 0 || end > bytes.length) return null;
  const payload = bytes.subarray(at + HEADER_BYTES, end);
  return crc32(payload) === bytes.readUInt32BE(at + 4) ? payload : null;
}

/**
 * Renames the damaged journal file at `path` aside (`….damaged-<ms>`), where neither the replay
 * nor the numbering of new files looks, so that it is kept for inspection; returns the new path.
 */
export function setAsideDamaged(path: string): string {
  const aside = `${path}${DAMAGED_MARK}${Date.now()}`;
  renameSync(path, aside);
  return aside;
}

/** The damaged journal files set aside in `dir`, by name. */
export function damagedJournals(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.startsWith(PREFIX) && name.includes(DAMAGED_MARK))
    .sort();
}

/** The file of the journal in `dir` that appends go to, and the rotation between files. */
export class JournalWriter {
  #fd: number;
  #number: number;
  /** Bytes in the current file. */
  #size = 0;

  /** Starts a new file numbered after `lastNumber` (the newest file found, or 0). */
  constructor(
    private readonly dir: string,
    lastNumber: number,
  ) {
    this.#number = lastNumber + 1;
    this.#fd = openSync(pathOf(dir, this.#number), 'wx');
  }

  /**
   * Appends one record holding `payload` (never empty); throws if the file system refuses it,
   * after cutting off whatever part of the record was written.
   */
  append(payload: Uint8Array): void {
    if (payload.length === 0) throw new RangeError('a journal record cannot be empty');
    const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
    record.writeUInt32BE(payload.length, 0);
    record.writeUInt32BE(crc32(payload), 4);
    record.set(payload, HEADER_BYTES);
    let at = 0;
    try {
      while (at < record.length) at += writeSync(this.#fd, record, at);
    } catch (error) {
      if (at > 0) cutOff(this.#fd, this.#size);
      throw error;
    }
    this.#size += record.length;
  }

  /** Closes the current file and starts the next one; returns the number of the closed one. */
  rotate(): number {
    const closed = this.#number;
    // Opened first: if the file system refuses a new file, this writer is still whole.
    const next = openSync(pathOf(this.dir, closed + 1), 'wx');
    closeSync(this.#fd);
    this.#fd = next;
    this.#number = closed + 1;
    this.#size = 0;
    return closed;
  }

  /** Removes the closed file `number` (its writes are in LevelDB). */
  remove(number: number): void {
    removeJournalFile(this.dir, number);
  }

  /** Closes the current file and, when `remove`, deletes it (nothing in it is left to replay). */
  close(remove: boolean): void {
    closeSync(this.#fd);
    if (remove) this.remove(this.#number);
  }
}

/**
 * Cuts the file `fd` back to `size` bytes after a failed append. Truncating frees space, so it
 * works on a full disk; should it fail too, its error is dropped because the append's own error
 * is the one that explains what happened, and the replay skips the torn record as damage.
 */
function cutOff(fd: number, size: number): void {
  try {
    ftruncateSync(fd, size);
  } catch {
    return;
  }
}

/** Deletes journal file `number` of `dir`. */
export function removeJournalFile(dir: string, number: number): void {
  unlinkSync(pathOf(dir, number));
}

function pathOf(dir: string, number: number): string {
  return join(dir, `${PREFIX}${String(number).padStart(6, '0')}`);
}
