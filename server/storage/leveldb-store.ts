/**
 * The LevelDB store, Tandem's default: the log store's rules over an embedded LevelDB folder.
 * The only file that imports `level`.
 *
 * Without `syncWrites`, a group commit is appended to the journal (journal.ts) on the event
 * loop and resolves at once; the journal's writes reach LevelDB in one batch every
 * `journalApplyMs`. Reads first wait for everything journaled to be in LevelDB.
 */
import { mkdir } from 'node:fs/promises';
import * as decoding from 'lib0/decoding';
import { Level } from 'level';
import { putVarUint, varUintSize } from '../bytes/var-uint.js';
import { JournalWriter, readJournal, removeJournalFile, setAsideDamaged, type JournalDamage } from './journal.js';
import type { DocumentMeta, LogBackend, LogEntry, LogWrite } from './log-backend.js';
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
} from './leveldb-records.js';
import { createLevelDbVersionBackend } from './leveldb-versions.js';
import { createLogStore, type LogStoreOptions } from './log-store.js';
import { StoreLockedError, type DocumentStore } from './store.js';

/** Options of {@link openLevelDbStore}. */
export interface LevelDbStoreOptions extends LogStoreOptions {
  /**
   * Whether each batch waits for fsync before its appends resolve. Default false: a resolved
   * append is in LevelDB's write-ahead log in the OS page cache, which survives the process being
   * killed (kill -9, a crash) but not the machine losing power or the kernel crashing; then the
   * last batches written before it may be lost. True closes that gap at the cost of one fsync
   * per batch (a few milliseconds on SSDs, far more on spinning or network disks), which the
   * group commit spreads over every append of the tick.
   */
  syncWrites?: boolean;
  /**
   * Without `syncWrites`: how long journaled writes wait before they move to LevelDB, in one
   * batch (ms, default 100). Longer means fewer batches and a longer journal to replay after a
   * crash.
   */
  journalApplyMs?: number;
  /**
   * Told of each damaged journal file found at open or recovery (records failing their CRC: a
   * torn write, a bad disk). Its intact records are replayed all the same, and the file is kept
   * aside under a new name. Default: a process warning.
   */
  onJournalDamage?: (report: JournalDamageReport) => void;
}

/** A damaged journal file: where it was, where it is kept, and what could not be read. */
export interface JournalDamageReport {
  readonly file: string;
  readonly keptAs: string;
  /** The stretches of bytes skipped; every record outside them was replayed. */
  readonly damage: readonly JournalDamage[];
}

const DEFAULT_JOURNAL_APPLY_MS = 100;
/** Journaled bytes that move to LevelDB without waiting for `journalApplyMs`. */
const JOURNAL_APPLY_BYTES = 1 << 20;

type Db = Level<Uint8Array, Uint8Array>;

/**
 * Opens (creating if needed) the LevelDB store in `dir`. Rejects with {@link StoreLockedError}
 * when another process, or another store in this one, has the folder open.
 *
 * @example
 * const store = await openLevelDbStore('./data');
 * await store.append('notes', update);
 * await store.close();
 */
export async function openLevelDbStore(dir: string, options: LevelDbStoreOptions = {}): Promise<DocumentStore> {
  await mkdir(dir, { recursive: true });
  const db: Db = new Level(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  try {
    await db.open();
  } catch (error) {
    if (hasCode(error, 'LEVEL_LOCKED')) throw new StoreLockedError(dir, { cause: error });
    throw error;
  }
  let journal: JournalWriter | null = null;
  try {
    const sync = options.syncWrites ?? false;
    const onDamage = options.onJournalDamage ?? warnJournalDamaged;
    const lastJournal = await replayJournal(db, dir, onDamage);
    journal = sync ? null : new JournalWriter(dir, lastJournal);
    const backend = new LevelDbBackend(db, dir, sync, journal, options.journalApplyMs ?? DEFAULT_JOURNAL_APPLY_MS, onDamage);
    return createLogStore(backend, await readMetas(db), options, await readTombstones(db), createLevelDbVersionBackend(db, sync));
  } catch (error) {
    journal?.close(true);
    await db.close();
    throw error;
  }
}

async function readMetas(db: Db): Promise<Map<string, DocumentMeta>> {
  const metas = new Map<string, DocumentMeta>();
  for (const [key, value] of await db.iterator(metaRange).all()) metas.set(decodeMetaKey(key), decodeMeta(value));
  return metas;
}

async function readTombstones(db: Db): Promise<Map<string, number>> {
  const tombstones = new Map<string, number>();
  for (const [key, value] of await db.iterator(tombstoneRange).all()) tombstones.set(decodeMetaKey(key), decodeTombstone(value));
  return tombstones;
}

function hasCode(error: unknown, code: string): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if ((cause as Error & { code?: unknown }).code === code) return true;
  }
  return false;
}

/**
 * Moves what the journal files in `dir` hold into LevelDB, oldest file first, and removes
 * them, except that a damaged file is kept aside (after its intact records were moved) and
 * reported to `onDamage`; returns the number of the newest (0 if none), after which new files
 * are numbered.
 */
async function replayJournal(db: Db, dir: string, onDamage: (report: JournalDamageReport) => void): Promise<number> {
  let last = 0;
  for (const file of readJournal(dir)) {
    const operations = file.records.flatMap((record, i) => decodeOperations(record, `record ${i} of journal file ${file.number}`));
    // Synced: the file is removed next, and the batch must not be the only copy in memory.
    if (operations.length > 0) await applyOperations(db, operations, true);
    if (file.damage.length === 0) removeJournalFile(dir, file.number);
    else onDamage({ file: file.path, keptAs: setAsideDamaged(file.path), damage: file.damage });
    last = file.number;
  }
  return last;
}

/** The default of `onJournalDamage`: a process warning, so that damage is never silent. */
function warnJournalDamaged({ file, keptAs, damage }: JournalDamageReport): void {
  const where = damage.map(({ offset, bytes }) => `${bytes} bytes at offset ${offset}`).join(', ');
  process.emitWarning(`journal file ${file} is damaged (${where}); its intact records were replayed and it is kept as ${keptAs}`);
}

/** One LevelDB change: a put, or a delete when `value` is null. */
interface Operation {
  key: Uint8Array;
  value: Uint8Array | null;
}

function operationsOf(writes: readonly LogWrite[]): Operation[] {
  // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch is exhaustive over write.type; every case returns
  return writes.map((write): Operation => {
    switch (write.type) {
      case 'put':
        return { key: encodeLogKey(write.name, write.seq), value: write.update };
      case 'del':
        return { key: encodeLogKey(write.name, write.seq), value: null };
      case 'meta':
        return { key: encodeMetaKey(write.name), value: write.meta ? encodeMeta(write.meta) : null };
      case 'tombstone':
        return { key: encodeTombstoneKey(write.name), value: write.deletedAt === null ? null : encodeTombstone(write.deletedAt) };
    }
  });
}

function applyOperations(db: Db, operations: readonly Operation[], sync: boolean): Promise<void> {
  const batch = db.batch();
  for (const { key, value } of operations) {
    if (value === null) batch.del(key);
    else batch.put(key, value);
  }
  return batch.write({ sync });
}

/** The journal record that {@link LevelDbBackend} appends for `writes` (exported for tests). */
export function journalRecordOf(writes: readonly LogWrite[]): Uint8Array {
  return encodeOperations(operationsOf(writes));
}

/** A journal record: count, then per operation a flag (1 put, 0 delete), the key and the value. */
function encodeOperations(operations: readonly Operation[]): Uint8Array {
  let size = varUintSize(operations.length);
  for (const { key, value } of operations) {
    size += 1 + varUintSize(key.length) + key.length;
    if (value !== null) size += varUintSize(value.length) + value.length;
  }
  const record = Buffer.allocUnsafe(size);
  let at = putVarUint(record, 0, operations.length);
  for (const { key, value } of operations) {
    record[at++] = value === null ? 0 : 1;
    at = putVarUint(record, at, key.length);
    record.set(key, at);
    at += key.length;
    if (value === null) continue;
    at = putVarUint(record, at, value.length);
    record.set(value, at);
    at += value.length;
  }
  return record;
}

function decodeOperations(record: Uint8Array, where: string): Operation[] {
  try {
    const decoder = decoding.createDecoder(record);
    const operations = Array.from({ length: decoding.readVarUint(decoder) }, (): Operation => {
      const isPut = decoding.readUint8(decoder) === 1;
      const key = decoding.readVarUint8Array(decoder);
      return { key, value: isPut ? decoding.readVarUint8Array(decoder) : null };
    });
    if (decoding.hasContent(decoder)) throw new Error('trailing bytes');
    return operations;
  } catch (error) {
    // Its checksum held, so this is not a torn write: refuse to open rather than guess.
    throw new Error(`cannot read ${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const DONE: Promise<void> = Promise.resolve();

/** Outside the log, metadata and tombstone ranges (leveldb-records.ts): the key a recovery writes to prove LevelDB takes writes. */
const PROBE_KEY = Uint8Array.from(Buffer.from('probe'));

class LevelDbBackend implements LogBackend {
  /**
   * Journal records not yet handed to LevelDB, kept as the records themselves: one object per
   * group commit for the collector to carry through its scavenges, not several per write.
   */
  #queued: Uint8Array[] = [];
  #queuedBytes = 0;
  #timer: NodeJS.Timeout | null = null;
  /** Settles when the last move from the journal to LevelDB has. */
  #applying: Promise<void> = DONE;
  /**
   * Set once the journal or a move to LevelDB failed: every later write and read fails with it
   * until {@link recover} succeeds.
   */
  #failure: { error: unknown } | null = null;
  #journal: JournalWriter | null;
  #onFailure: ((error: unknown) => void) | null = null;
  /** Settles when the running {@link recover}, if any, has; close waits for it. */
  #recovering: Promise<void> = DONE;
  #closed = false;

  constructor(
    private readonly db: Db,
    private readonly dir: string,
    private readonly sync: boolean,
    journal: JournalWriter | null,
    private readonly applyMs: number,
    private readonly onDamage: (report: JournalDamageReport) => void,
  ) {
    this.#journal = journal;
  }

  async readLog(name: string): Promise<LogEntry[]> {
    await this.#applied();
    const entries = await this.db.iterator(logRange(name)).all();
    return entries.map(([key, update]) => ({ seq: decodeLogSeq(key), update }));
  }

  async readSeqs(name: string): Promise<number[]> {
    await this.#applied();
    const keys = await this.db.keys(logRange(name)).all();
    return keys.map(decodeLogSeq);
  }

  write(writes: readonly LogWrite[]): Promise<void> {
    const operations = operationsOf(writes);
    if (this.sync) return applyOperations(this.db, operations, true);
    if (this.#failure !== null || this.#journal === null) return Promise.reject(this.#failure?.error ?? new Error('the journal is closed'));
    const record = encodeOperations(operations);
    try {
      this.#journal.append(record);
    } catch (error) {
      this.#fail(error);
      return Promise.reject(error);
    }
    this.#queued.push(record);
    this.#queuedBytes += record.length;
    if (this.#queuedBytes >= JOURNAL_APPLY_BYTES) void this.#applied().catch(() => undefined);
    else if (this.#timer === null) {
      this.#timer = setTimeout(() => void this.#applied().catch(() => undefined), this.applyMs);
      this.#timer.unref();
    }
    return DONE;
  }

  watchFailures(listener: (error: unknown) => void): void {
    this.#onFailure = listener;
  }

  /**
   * Reopens LevelDB (a failed write can leave it refusing every later one until then), moves
   * every journal file into it, as at open, and proves that both take writes again: LevelDB with
   * a synced probe write, the journal with a record of no operations in its new file.
   */
  recover(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the store is closed'));
    const recovering = this.#recover();
    this.#recovering = recovering.catch(() => undefined);
    return recovering;
  }

  async #recover(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    // The move that failed, if one did: its records are still in the journal files replayed below.
    await this.#applying.catch(() => undefined);
    this.#failure ??= { error: new Error('recovering') };
    this.#journal?.close(false);
    this.#journal = null;
    if (this.db.status === 'open') await this.db.close();
    await this.db.open();
    const last = await replayJournal(this.db, this.dir, this.onDamage);
    await this.db.batch().put(PROBE_KEY, PROBE_KEY).del(PROBE_KEY).write({ sync: true });
    if (!this.sync) {
      const journal = new JournalWriter(this.dir, last);
      try {
        journal.append(encodeOperations([]));
      } catch (error) {
        journal.close(true);
        throw error;
      }
      this.#journal = journal;
    }
    this.#queued = [];
    this.#queuedBytes = 0;
    this.#applying = DONE;
    this.#failure = null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#recovering;
    try {
      if (this.#journal !== null) {
        // After a failure the journal keeps what LevelDB may lack, for the next open to replay.
        await this.#applied().catch(() => undefined);
        this.#journal.close(this.#failure === null);
      }
    } finally {
      if (this.db.status === 'open') await this.db.close();
    }
  }

  #fail(error: unknown): void {
    this.#failure = { error };
    this.#onFailure?.(error);
  }

  /** Resolves once everything journaled so far is in LevelDB; rejects after a failure. */
  #applied(): Promise<void> {
    if (this.sync) return DONE;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#applying = this.#applying.then(() => this.#applyQueued());
    return this.#applying;
  }

  async #applyQueued(): Promise<void> {
    if (this.#failure !== null) throw this.#failure.error;
    const journal = this.#journal;
    if (this.#queued.length === 0 || journal === null) return;
    const records = this.#queued;
    this.#queued = [];
    this.#queuedBytes = 0;
    try {
      const operations = records.flatMap((record) => decodeOperations(record, 'a journal record just written'));
      // Appends from now on go to a new file; the closed one holds exactly these records.
      const closed = journal.rotate();
      await applyOperations(this.db, operations, false);
      journal.remove(closed);
    } catch (error) {
      this.#fail(error);
      throw error;
    }
  }
}
