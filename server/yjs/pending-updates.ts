/**
 * Applying updates to a Y.Doc while holding what Yjs cannot integrate yet outside of it.
 *
 * Yjs keeps structs whose dependencies are missing in `doc.store.pendingStructs`, and deletions of
 * clocks it has not seen in `doc.store.pendingDs`. It re-merges the whole pending blob with every
 * update that adds to it, and re-reads every pending deletion on every update anyone sends. One
 * writer sending structs far above a client's clock, or deletions of far-future clocks, thereby
 * grows a room's memory without bound and makes every other writer's edits slower. So after each
 * apply this module moves what Yjs left pending into a holder of its own (leaving the doc's store
 * with nothing pending, so Yjs never retries it), offers it to the doc again only when the doc's
 * state has reached a clock it waits for, and bounds it by bytes and by age: past either bound
 * the holder is emptied and the members whose updates were waiting are handed to the caller, to
 * close (they resync on reconnecting: a client keeps every change it made).
 *
 * Legitimate clients produce short-lived missing dependencies (a tab that received a sibling
 * tab's edit over BroadcastChannel before the server did, and edits after it): the sibling's
 * update arrives within moments and the held structs integrate with it.
 */
import * as Y from 'yjs';
import { deleteFloor, lowerEach, structNeeds, type ClockMap } from './pending-needs.js';

/** The bounds on what a doc may hold pending; see `shared/limits.ts`. */
export interface PendingBounds {
  readonly maxPendingUpdateBytes: number;
  readonly maxPendingUpdateAgeMs: number;
}

/** Which bound was passed. */
export type PendingBound = 'bytes' | 'age';

/** What one {@link PendingUpdates.apply} did. */
export interface Applied {
  /** Part of the update waits for its dependencies. */
  readonly waits: boolean;
  /** Held updates were offered to the doc again: what integrated may hold other senders' structs. */
  readonly retried: boolean;
}

/** What Yjs left pending: a v2 update of structs with what they wait for, and v2 deletions. */
interface Held {
  structs: Uint8Array | null;
  /** Per client, the lowest clock the structs need from outside what is held: some may integrate once its state is past it. */
  needs: ClockMap;
  deletes: Uint8Array | null;
  /** Per client, the lowest deleted clock: some deletion applies once its state is past it. */
  deleteFloor: ClockMap;
}

/** Where a doc's pending structs and deletions live in its store (Yjs 13.6; see the fuzz test). */
interface PendingStore {
  pendingStructs: { update: Uint8Array } | null;
  pendingDs: Uint8Array | null;
}

/**
 * The pending updates of one doc, and who sent them. `exceeded` is called (outside any
 * transaction) with the senders whose updates were dropped when a bound is passed.
 */
export class PendingUpdates<Sender> {
  private held: Held | null = null;
  private readonly senders = new Set<Sender>();
  private heldSince = 0;
  private ageTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly doc: Y.Doc,
    private readonly bounds: PendingBounds,
    private readonly exceeded: (senders: ReadonlySet<Sender>, bound: PendingBound) => void,
  ) {}

  /** True while something waits for its dependencies. */
  get holding(): boolean {
    return this.held !== null;
  }

  /** Bytes held (v2 encoding, as Yjs keeps them). */
  get bytes(): number {
    return (this.held?.structs?.length ?? 0) + (this.held?.deletes?.length ?? 0);
  }

  /** Whether `sender` has an update waiting. */
  isHolding(sender: Sender): boolean {
    return this.senders.has(sender);
  }

  /**
   * Applies `update` (v1) with `origin`, and whatever was held and can now integrate, in one
   * transaction as Yjs does (its tidying of formatting depends on how structs are grouped into
   * transactions). Throws what Yjs throws. Past a bound, the holder is emptied and
   * {@link exceeded} gets the senders.
   */
  apply(update: Uint8Array, origin: unknown, sender: Sender | null): Applied {
    let waits = false;
    let retried = false;
    this.doc.transact(() => {
      Y.applyUpdate(this.doc, update, origin);
      const left = this.take();
      if (left !== null) {
        waits = true;
        if (sender !== null) this.senders.add(sender);
        this.hold(left);
      }
      retried = this.retry();
    }, origin);
    if (this.held === null) {
      this.senders.clear();
      this.stopAgeTimer();
    } else if (this.bytes > this.bounds.maxPendingUpdateBytes) this.drop('bytes');
    return { waits, retried };
  }

  /** Forgets everything held, without calling {@link exceeded}; for a doc being destroyed. */
  clear(): void {
    this.held = null;
    this.senders.clear();
    this.stopAgeTimer();
  }

  /** Moves what the last apply left pending out of the doc's store. */
  private take(): Held | null {
    const store = this.doc.store as unknown as PendingStore;
    const structs = store.pendingStructs;
    const deletes = store.pendingDs;
    if (structs === null && deletes === null) return null;
    store.pendingStructs = null;
    store.pendingDs = null;
    return {
      structs: structs?.update ?? null,
      needs: structs === null ? new Map() : structNeeds(structs.update, this.doc.store),
      deletes,
      deleteFloor: deletes === null ? new Map() : deleteFloor(deletes),
    };
  }

  private hold(left: Held): void {
    const held = this.held;
    if (held === null) {
      this.held = left;
      this.heldSince = performance.now();
      this.startAgeTimer(this.bounds.maxPendingUpdateAgeMs);
      return;
    }
    held.structs = mergeHeld(held.structs, left.structs);
    held.deletes = mergeHeld(held.deletes, left.deletes);
    // What one part needs may be held in the other: read the merged structs again.
    if (left.structs !== null) held.needs = structNeeds(held.structs as Uint8Array, this.doc.store);
    lowerEach(held.deleteFloor, left.deleteFloor);
  }

  /** Applies what is held as long as the doc's state has reached something it waits for; true if it did. */
  private retry(): boolean {
    let retried = false;
    while (this.held !== null && this.ready(this.held)) {
      const { structs, deletes } = this.held;
      this.held = null;
      retried = true;
      if (structs !== null) Y.applyUpdateV2(this.doc, structs);
      if (deletes !== null) Y.applyUpdateV2(this.doc, deletes);
      const left = this.take();
      if (left !== null) this.held = left;
    }
    return retried;
  }

  private ready(held: Held): boolean {
    const store = this.doc.store;
    for (const [client, clock] of held.needs) {
      if (clock < Y.getState(store, client)) return true;
    }
    for (const [client, clock] of held.deleteFloor) {
      if (clock < Y.getState(store, client)) return true;
    }
    return false;
  }

  private drop(bound: PendingBound): void {
    const senders = new Set(this.senders);
    this.clear();
    this.exceeded(senders, bound);
  }

  private startAgeTimer(delayMs: number): void {
    this.stopAgeTimer();
    this.ageTimer = setTimeout(() => {
      this.ageTimer = null;
      if (this.held === null) return;
      const left = this.heldSince + this.bounds.maxPendingUpdateAgeMs - performance.now();
      // Timers may fire a little early: wait out the rest rather than drop what is not yet due.
      if (left > 0) this.startAgeTimer(left);
      else this.drop('age');
    }, delayMs);
    this.ageTimer.unref();
  }

  private stopAgeTimer(): void {
    if (this.ageTimer !== null) clearTimeout(this.ageTimer);
    this.ageTimer = null;
  }
}

function mergeHeld(a: Uint8Array | null, b: Uint8Array | null): Uint8Array | null {
  if (a === null) return b;
  if (b === null) return a;
  return Y.mergeUpdatesV2([a, b]);
}

/**
 * True when `update` (v1) integrates completely into an empty document: nothing in it waits for
 * changes it does not hold. Throws what Yjs throws for an update it cannot read.
 */
export function integratesAlone(update: Uint8Array): boolean {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, update);
    return doc.store.pendingStructs === null && doc.store.pendingDs === null;
  } finally {
    doc.destroy();
  }
}
