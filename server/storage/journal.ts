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
 * or failing its CRC (a torn write at a power loss) ends the replay of its file; nothing was
 * acknowledged after it, since an append that fails stops the journal for good.
 */
import { closeSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const PREFIX = 'tandem-journal.';
const HEADER_BYTES = 8;

/** One journal file found at open, with the payloads of its intact records in order. */
export interface JournalFile {
  readonly number: number;
  readonly records: Uint8Array[];
  /** Bytes after the last intact record: a torn tail, ignored. */
  readonly ignoredBytes: number;
}

/** The journal files in `dir`, oldest first, each with its intact records. */
export function readJournal(dir: string): JournalFile[] {
  const numbers = readdirSync(dir)
    .filter((name) => name.startsWith(PREFIX) && /^\d+$/.test(name.slice(PREFIX.length)))
    .map((name) => Number(name.slice(PREFIX.length)))
    .sort((a, b) => a - b);
  return numbers.map((number) => {
    const bytes = readFileSync(pathOf(dir, number));
    const records: Uint8Array[] = [];
    let at = 0;
    while (at + HEADER_BYTES <= bytes.length) {
      const length = bytes.readUInt32BE(at);
      const end = at + HEADER_BYTES + length;
      if (end > bytes.length) break;
      const payload = bytes.subarray(at + HEADER_BYTES, end);
      if (crc32(payload) !== bytes.readUInt32BE(at + 4)) break;
      records.push(payload);
      at = end;
    }
    return { number, records, ignoredBytes: bytes.length - at };
  });
}

/** The file of the journal in `dir` that appends go to, and the rotation between files. */
export class JournalWriter {
  #fd: number;
  #number: number;

  /** Starts a new file numbered after `lastNumber` (the newest file found, or 0). */
  constructor(
    private readonly dir: string,
    lastNumber: number,
  ) {
    this.#number = lastNumber + 1;
    this.#fd = openSync(pathOf(dir, this.#number), 'wx');
  }

  /** Appends one record holding `payload`; throws if the file system refuses it. */
  append(payload: Uint8Array): void {
    const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
    record.writeUInt32BE(payload.length, 0);
    record.writeUInt32BE(crc32(payload), 4);
    record.set(payload, HEADER_BYTES);
    for (let at = 0; at < record.length; ) at += writeSync(this.#fd, record, at);
  }

  /** Closes the current file and starts the next one; returns the number of the closed one. */
  rotate(): number {
    const closed = this.#number;
    closeSync(this.#fd);
    this.#number++;
    this.#fd = openSync(pathOf(this.dir, this.#number), 'wx');
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

/** Deletes journal file `number` of `dir`. */
export function removeJournalFile(dir: string, number: number): void {
  unlinkSync(pathOf(dir, number));
}

function pathOf(dir: string, number: number): string {
  return join(dir, `${PREFIX}${String(number).padStart(6, '0')}`);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE, as zlib computes it) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (CRC_TABLE[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
