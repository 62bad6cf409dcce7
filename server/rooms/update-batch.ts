/**
 * The updates a room integrated during one event-loop turn: at the end of the turn they are merged
 * into one update and handed to storage as one append; once that is durable they are broadcast as
 * one frame, and every frame that contributed learns it is saved. Peers never see an edit that a
 * crash could still lose, and while one batch is being written the next one grows.
 */
import { SyncMessageType } from '../../shared/protocol.js';
import type { Logger } from '../observability/logger.js';
import type { ServerMetrics } from '../observability/metrics.js';
import { encodeSyncFrame } from '../wire/frames.js';
import { mergeUpdatesInRounds } from '../yjs/merge-log.js';
import type { DocumentStore } from '../storage/store.js';
import { atEndOfTurn } from './end-of-turn.js';

/** A promise with its settle functions; one nobody waits on never crashes the process. */
export interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/** A fresh {@link Deferred}. */
export function createDeferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A failed write is logged once, where it fails; whoever waits on it attaches its own handler.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** Where a batch goes. */
export interface BatchTarget<Member> {
  readonly name: string;
  readonly store: DocumentStore;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  /** Sends `frame` to every member not in `skip`. */
  broadcast(frame: Uint8Array, skip: ReadonlySet<Member>): void;
  /** Sends `frame` to `member` if it is still a member. */
  sendTo(member: Member, frame: Uint8Array): void;
  /** A batch is durable (called before its broadcast), e.g. to publish it to other instances. */
  stored?(update: Uint8Array): void;
  /** Storage refused a batch; the members' acks for it have been rejected. */
  writeFailed(error: unknown): void;
}

/**
 * Most writers of one batch that each get it without their own updates. Each of them costs one
 * more merge, so past this many everyone gets the whole batch (their own updates are no-ops to
 * Yjs). On 200x2 both writers of a room typed in the same batch for most batches, and each got
 * its own keystrokes back.
 */
const MAX_WRITERS_SPARED_ECHO = 4;

/** The per-turn update queue of one room. */
export class UpdateBatch<Member> {
  private queued: Uint8Array[] = [];
  /** Who sent each queued update; null when it may hold others' updates too. */
  private sources: (Member | null)[] = [];
  /** Settles when the current batch is durable; null when nothing is queued. */
  private durable: Deferred | null = null;
  /** Settles when every write handed to storage so far has settled. */
  private writes: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly target: BatchTarget<Member>) {}

  /**
   * Queues what Yjs integrated from `member` (null when it may also hold structs another member
   * sent, such as pending ones it completed: then nobody is spared it); resolves once durable.
   */
  add(member: Member | null, update: Uint8Array): Promise<void> {
    this.queued.push(update);
    this.sources.push(member);
    if (!this.scheduled) {
      this.scheduled = true;
      atEndOfTurn(() => {
        this.scheduled = false;
        this.flush();
      });
    }
    this.durable ??= createDeferred();
    return this.durable.promise;
  }

  /** Settles once every write handed to storage so far has settled; never rejects. */
  settled(): Promise<void> {
    return this.writes;
  }

  /**
   * Null when everything integrated so far is durable; otherwise a promise that resolves when it
   * is (and rejects if storage refused it). A sync answer computed now waits on it.
   */
  undurable(): Promise<void> | null {
    if (this.durable !== null) return this.durable.promise;
    return this.inFlight > 0 ? this.writes : null;
  }

  /** Broadcasts and stores the queued updates now. */
  flush(): void {
    const durable = this.durable;
    if (durable === null) return;
    const updates = this.queued;
    const sources = this.sources;
    this.queued = [];
    this.sources = [];
    this.durable = null;
    const merged = mergeUpdatesInRounds(updates);
    const { store, metrics, logger, name } = this.target;
    const start = performance.now();
    this.inFlight++;
    const write = store.append(name, merged).then(
      () => {
        this.inFlight--;
        metrics.persistSeconds.observe((performance.now() - start) / 1000);
        this.target.stored?.(merged);
        this.broadcast(merged, updates, sources);
        durable.resolve();
      },
      (error: unknown) => {
        this.inFlight--;
        logger.error({ err: error, room: name }, 'storage append failed');
        durable.reject(error);
        this.target.writeFailed(error);
      },
    );
    const previous = this.writes;
    this.writes = Promise.all([previous, write]).then(() => undefined);
  }

  /**
   * Sends a durable batch once to every member. Its writers (up to {@link MAX_WRITERS_SPARED_ECHO})
   * get it without their own updates, which they already have; a lone writer gets nothing.
   */
  private broadcast(merged: Uint8Array, updates: readonly Uint8Array[], sources: readonly (Member | null)[]): void {
    const writers = new Set(sources);
    const spared = writers.has(null) || writers.size > MAX_WRITERS_SPARED_ECHO ? new Set<Member>() : (writers as Set<Member>);
    this.target.broadcast(encodeSyncFrame(SyncMessageType.Update, merged), spared);
    if (spared.size < 2) return;
    for (const writer of spared) {
      const others = updates.filter((_, i) => sources[i] !== writer);
      this.target.sendTo(writer, encodeSyncFrame(SyncMessageType.Update, mergeUpdatesInRounds(others)));
    }
  }
}
