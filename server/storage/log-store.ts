/**
 * The rules every log-based store shares, whatever engine holds the bytes: a document is an
 * append-only log of Yjs updates plus a metadata record; appends are group-committed per tick;
 * a long log is compacted in the background into one merged update, in one atomic write, while
 * appends go on.
 */
import { CompactionRuns } from './compaction-runs.js';
import { GroupCommit } from './group-commit.js';
import type { DocumentMeta, LogBackend, LogEntry } from './log-backend.js';
import { planBatch, type LogOperation, type StoredState } from './log-batch.js';
import { mergeLogForLoad } from '../yjs/merge-log.js';
import { mergeLogOffThread } from '../yjs/off-thread.js';
import type { DocumentInfo, DocumentStore, StoreHealth } from './store.js';
import { HealthMonitor } from './store-health.js';
import { createMemoryVersionBackend, createVersionStore, type VersionBackend, type VersionStore, type VersionStoreOptions } from './versions.js';
import { StoreLifecycle } from './store-lifecycle.js';

/** What one written batch held, for metrics. */
export interface BatchStats {
  /** Updates appended by the batch. */
  appends: number;
  /** Bytes of those updates. */
  bytes: number;
  /** How long the engine took to write the batch. */
  durationMs: number;
}

/** Tuning shared by every log-based store. */
export interface LogStoreOptions extends VersionStoreOptions {
  /**
   * Compact a document once this many updates were appended since its last compaction. Loading
   * merges the whole log, so this bounds load time: 500 keystroke-sized updates merge in a few
   * milliseconds, while one compaction costs about as much as one load, so a writer typing ten
   * updates a second triggers one every ~50 s. Default 500.
   */
  compactAfterUpdates?: number;
  /**
   * Compact a document once this many bytes were appended since its last compaction. Bounds the
   * disk a few large pastes can hold beyond the merged state. Default 1 MiB.
   */
  compactAfterBytes?: number;
  /**
   * Receives the errors of background compactions, which are never thrown. Default: a process
   * warning, so that a failure is never silent.
   */
  onError?: (error: unknown, document: string) => void;
  /** Called after each batch is written. */
  onBatch?: (batch: BatchStats) => void;
  /** Told when the store starts failing (a write was refused) and when it has healed, e.g. to log it. */
  onHealth?: (health: StoreHealth) => void;
}

interface DocumentState {
  /** The record as written; null when nothing is stored. */
  meta: DocumentMeta | null;
  /** The next sequence number to hand out (numbers of failed batches are skipped, never reused). */
  nextSeq: number;
  /**
   * Bumped whenever stored entries are removed (delete, compaction): a compaction that read the
   * log before that must not write its merge.
   */
  generation: number;
  /**
   * The record when a background compaction last failed: the next one waits for the log to grow
   * by a threshold again, so that a log it cannot merge is not re-read on every append.
   */
  failedAt: DocumentMeta | null;
  /** When the document was deleted, while nothing was stored since; null otherwise. */
  deletedAt: number | null;
}

/**
 * A {@link DocumentStore} over `backend`, whose metadata records (`metas`) and tombstones (when
 * each deleted document was deleted) were read at open. Every record stays in memory, so `info`,
 * `list` and `deletedAt` cost no I/O.
 */
export function createLogStore(
  backend: LogBackend,
  metas: ReadonlyMap<string, DocumentMeta>,
  options: LogStoreOptions = {},
  tombstones: ReadonlyMap<string, number> = new Map(),
  versions: VersionBackend = createMemoryVersionBackend(),
): DocumentStore {
  return new LogStore(backend, metas, options, tombstones, versions);
}

class LogStore implements DocumentStore {
  readonly versions: VersionStore;
  readonly #backend: LogBackend;
  readonly #onError: (error: unknown, document: string) => void;
  readonly #onBatch: ((batch: BatchStats) => void) | undefined;
  readonly #compactAfterUpdates: number;
  readonly #compactAfterBytes: number;
  readonly #docs = new Map<string, DocumentState>();
  readonly #compactions = new CompactionRuns();
  readonly #writes = new GroupCommit<LogOperation>((operations) => this.#commit(operations));
  readonly #lifecycle = new StoreLifecycle();
  /**
   * Failing from a refused write until the backend recovered: meanwhile loads and writes are
   * refused at once (a load could miss what the failed engine still holds aside), and the
   * backend's recovery is retried with backoff.
   */
  readonly #health: HealthMonitor;
  readonly #stored: StoredState = {
    meta: (name) => this.#docs.get(name)?.meta ?? null,
    deletedAt: (name) => this.#docs.get(name)?.deletedAt ?? null,
    generation: (name) => this.#doc(name).generation,
    readSeqs: (name) => this.#backend.readSeqs(name),
  };

  constructor(
    backend: LogBackend,
    metas: ReadonlyMap<string, DocumentMeta>,
    options: LogStoreOptions,
    tombstones: ReadonlyMap<string, number>,
    versions: VersionBackend,
  ) {
    this.versions = createVersionStore(versions, options, (name) => this.#check(name));
    this.#backend = backend;
    this.#onError = options.onError ?? warnCompactionFailed;
    this.#onBatch = options.onBatch;
    this.#compactAfterUpdates = options.compactAfterUpdates ?? 500;
    this.#compactAfterBytes = options.compactAfterBytes ?? 1024 * 1024;
    this.#health = new HealthMonitor({ probe: () => backend.recover(), intervalMs: null, onChange: options.onHealth });
    backend.watchFailures?.((error) => this.#health.failed(error));
    for (const [name, meta] of metas) {
      this.#docs.set(name, { meta, nextSeq: meta.nextSeq, generation: 0, failedAt: null, deletedAt: null });
    }
    for (const [name, deletedAt] of tombstones) {
      this.#docs.set(name, { meta: null, nextSeq: 0, generation: 0, failedAt: null, deletedAt });
    }
  }

  health(): StoreHealth {
    return this.#health.health;
  }

  async load(name: string): Promise<Uint8Array | null> {
    this.#check(name);
    await this.#writes.settled();
    this.#health.check();
    if (!this.#docs.get(name)?.meta) return null;
    const log = await this.#backend.readLog(name);
    // A log that is due is compacted once the load's readers were served (COMPACT_AFTER_LOAD_MS),
    // so that the next load reads one entry: the compaction's merge is the slow, small one.
    if (log.length > 1) this.#compactions.planAfterLoad(() => this.#compactIfDue(name));
    return mergeLogForLoad(log.map((entry) => entry.update));
  }

  async append(name: string, update: Uint8Array): Promise<void> {
    this.#check(name);
    this.#health.check();
    const doc = this.#doc(name);
    const seq = doc.nextSeq++;
    return this.#writes.submit({ type: 'append', name, seq, update });
  }

  async compact(name: string): Promise<void> {
    this.#check(name);
    const doc = this.#docs.get(name);
    if (doc) await this.#compactions.track(name, this.#compaction(name, doc));
  }

  async info(name: string): Promise<DocumentInfo | null> {
    this.#check(name);
    const meta = this.#docs.get(name)?.meta;
    return meta ? toInfo(name, meta) : null;
  }

  async list(): Promise<DocumentInfo[]> {
    this.#checkOpen();
    const infos: DocumentInfo[] = [];
    for (const [name, doc] of this.#docs) if (doc.meta) infos.push(toInfo(name, doc.meta));
    return infos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async delete(name: string): Promise<void> {
    this.#check(name);
    this.#health.check();
    const doc = this.#doc(name);
    doc.generation++;
    await this.#writes.submit({ type: 'delete', name });
    await this.versions.removeAll(name);
  }

  async deletedAt(name: string): Promise<number | null> {
    this.#check(name);
    await this.#writes.settled();
    return this.#docs.get(name)?.deletedAt ?? null;
  }

  close(): Promise<void> {
    this.#compactions.cancelPlanned();
    return this.#lifecycle.close([this.#compactions, this.#writes], () => {
      this.#health.close();
      return this.#backend.close();
    });
  }

  #checkOpen(): void {
    this.#lifecycle.checkOpen();
  }

  #check(name: string): void {
    this.#lifecycle.checkName(name);
  }

  #doc(name: string): DocumentState {
    let doc = this.#docs.get(name);
    if (!doc) {
      doc = { meta: null, nextSeq: 0, generation: 0, failedAt: null, deletedAt: null };
      this.#docs.set(name, doc);
    }
    return doc;
  }

  #isDue({ meta, failedAt }: DocumentState): boolean {
    if (!meta) return false;
    const newUpdates = failedAt ? meta.updates - failedAt.updates : meta.updates - (meta.compactedBytes > 0 ? 1 : 0);
    const newBytes = meta.bytes - (failedAt ? failedAt.bytes : meta.compactedBytes);
    return newUpdates >= this.#compactAfterUpdates || newBytes >= this.#compactAfterBytes;
  }

  /** Compacts `name` once the compaction already running, if any, has finished. */
  async #compaction(name: string, doc: DocumentState): Promise<void> {
    // The previous run reported its own failure to whoever started it.
    await this.#compactions.get(name)?.catch(() => undefined);
    const generation = doc.generation;
    await this.#writes.settled();
    if (!doc.meta || doc.generation !== generation) return;
    this.#health.check();
    const log = await this.#backend.readLog(name);
    const update = await mergeLogOffThread(log.map((entry) => entry.update));
    if (update !== null && log.length > 1) await this.#submitCompaction(name, generation, log, update);
  }

  #submitCompaction(name: string, generation: number, merged: readonly LogEntry[], update: Uint8Array): Promise<void> {
    return this.#writes.submit({ type: 'compact', name, generation, merged, update });
  }

  #compactIfDue(name: string): void {
    if (!this.#lifecycle.isOpen) return;
    const doc = this.#doc(name);
    if (this.#compactions.get(name) || !this.#isDue(doc)) return;
    this.#inBackground(name, doc, this.#compaction(name, doc));
  }

  /** Tracks a compaction nobody awaits; its failure goes to onError and defers the next one. */
  #inBackground(name: string, doc: DocumentState, compaction: Promise<void>): void {
    const updatesBefore = doc.meta?.updates;
    const reported = compaction.catch((error: unknown) => {
      // A store that cannot write says so itself; the log is not to blame.
      if (this.#health.health.state === 'ok') doc.failedAt = doc.meta;
      this.#onError(error, name);
    });
    void this.#compactions.track(name, reported).then(() => {
      // Appends made while it ran may have made the log due again, and only an append would
      // notice; a run that changed nothing (and no append) does not start another.
      if (doc.meta?.updates !== updatesBefore) this.#compactIfDue(name);
    });
  }

  /** Writes one tick's operations as one batch, then brings the in-memory records up to date. */
  async #commit(operations: readonly LogOperation[]): Promise<void> {
    // Submitted while the batch before failed: the engine is not to be written until it recovered.
    this.#health.check();
    const plan = await planBatch(operations, this.#stored, Date.now());
    for (const name of plan.compacted) {
      const doc = this.#doc(name);
      doc.generation++;
      doc.failedAt = null;
    }
    const started = performance.now();
    try {
      await this.#backend.write(plan.writes);
    } catch (error) {
      this.#health.failed(error);
      throw error;
    }
    const durationMs = performance.now() - started;
    for (const [name, meta] of plan.metas) {
      const doc = this.#doc(name);
      doc.meta = meta;
      if (meta === null) doc.failedAt = null;
    }
    for (const [name, deletedAt] of plan.tombstones) this.#doc(name).deletedAt = deletedAt;
    this.#onBatch?.({ appends: plan.appends, bytes: plan.bytes, durationMs });
    for (const name of plan.metas.keys()) this.#compactIfDue(name);
  }
}

/** The default `onError` of log-based stores: a process warning naming the document. */
export function warnCompactionFailed(error: unknown, document: string): void {
  const reason = error instanceof Error ? error.message : String(error);
  process.emitWarning(`background compaction of ${JSON.stringify(document)} failed: ${reason}`);
}

function toInfo(name: string, meta: DocumentMeta): DocumentInfo {
  return { name, bytes: meta.bytes, updates: meta.updates, updatedAt: meta.updatedAt };
}
