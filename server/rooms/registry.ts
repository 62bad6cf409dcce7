/**
 * Which documents are loaded. Each document is loaded once however many connections ask at the
 * same time (single flight); a failed load caches nothing, so the next join tries again instead of
 * finding an empty document; a room unloads when its last member has left, a grace period has
 * passed and its writes are durable. A join that arrives while a room unloads waits for the unload
 * and loads the document again from storage, so nothing written meanwhile is missed. A document
 * deleted within `deletedDocumentTtlMs` is not loaded at all: a stale client (offline during the
 * delete, or one that reconnects after 4410) would write the whole of it back.
 */
import { NO_FANOUT, type DocumentChannel, type FanOut } from '../cluster/fanout.js';
import { Room, type RoomContext } from './room.js';
import { stateVectorOfStoredOffThread } from '../yjs/off-thread.js';

/** What the registry needs beyond what each room needs. */
export interface RegistryContext extends RoomContext {
  /** How long an empty room stays loaded, in case someone comes back (reloads, flaky networks). */
  readonly unloadGraceMs: number;
  /** Other instances serving the same documents (cluster mode); none by default. */
  readonly fanOut?: FanOut;
  /**
   * Runs after a room is loaded and before anyone syncs it (the app's `onLoad`); a rejection
   * fails the load like a storage error, so nothing is cached and the next join retries.
   */
  readonly prepare?: (room: Room) => Promise<void>;
  /** Told after a room was unloaded. */
  readonly unloaded?: (name: string) => void;
  /** How long a deleted document's tombstone refuses loads (see the store's `deletedAt`); absent or 0: not at all. */
  readonly deletedDocumentTtlMs?: number;
}

/** Why {@link RoomRegistry.acquire} refused: the document was deleted, recently enough that its tombstone holds. */
export class DocumentDeletedError extends Error {
  constructor(readonly documentName: string) {
    super(`document '${documentName}' was deleted`);
    this.name = 'DocumentDeletedError';
  }
}

type Slot =
  | { readonly state: 'loading'; readonly loaded: Promise<Room> }
  | {
      readonly state: 'loaded';
      readonly room: Room;
      unloadTimer: NodeJS.Timeout | null;
      /** Resolved when the room starts unloading; joins to a poisoned room wait on it. */
      unloading: { promise: Promise<void>; resolve: () => void } | null;
    }
  | { readonly state: 'unloading'; readonly unloaded: Promise<void> };

/** The loaded rooms of one server. */
export class RoomRegistry {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly context: RegistryContext) {}

  /** Rooms loading, loaded or unloading: what counts against `maxLoadedRooms`. */
  get size(): number {
    return this.slots.size;
  }

  /** True when `name` occupies a slot (so a new connection to it adds no room). */
  has(name: string): boolean {
    return this.slots.has(name);
  }

  /**
   * The loaded room for `name`, loading it if needed. The caller must join it synchronously on
   * resolution: an empty room with no pending join is a candidate for unloading.
   */
  async acquire(name: string): Promise<Room> {
    for (;;) {
      const slot = this.slots.get(name) ?? this.load(name);
      switch (slot.state) {
        case 'loading':
          await slot.loaded;
          continue;
        case 'loaded':
          if (slot.room.poisoned) {
            await this.unloadWhenEmpty(name, slot);
            continue;
          }
          if (slot.unloadTimer !== null) clearTimeout(slot.unloadTimer);
          slot.unloadTimer = null;
          return slot.room;
        case 'unloading':
          await slot.unloaded;
          continue;
        default:
          return slot satisfies never;
      }
    }
  }

  /** Called after a member left `room`: an empty room unloads after the grace period. */
  release(room: Room): void {
    const slot = this.slots.get(room.name);
    if (slot?.state !== 'loaded' || slot.room !== room || room.size > 0) return;
    if (room.poisoned) {
      void this.unload(room.name, slot);
      return;
    }
    if (slot.unloadTimer !== null) clearTimeout(slot.unloadTimer);
    slot.unloadTimer = setTimeout(() => {
      slot.unloadTimer = null;
      if (room.size === 0) void this.unload(room.name, slot);
    }, this.context.unloadGraceMs);
  }

  /**
   * Unloads `name` now, whatever the grace period (its members must have been closed), then runs
   * `then` (a delete from storage) before any join may load the document again: nothing of a
   * deleted document may stay in memory, nor be loaded from before the delete. Resolves when
   * both are done; rejects with `then`'s error.
   */
  async unloadNow(name: string, then: () => Promise<void> = () => Promise.resolve()): Promise<void> {
    for (;;) {
      const slot = this.slots.get(name);
      switch (slot?.state) {
        case undefined:
          return this.holdWhile(name, then());
        case 'loading':
          await slot.loaded.catch(() => undefined);
          continue;
        case 'loaded':
          return this.unload(name, slot, then);
        case 'unloading':
          await slot.unloaded;
          continue;
        default:
          return slot satisfies never;
      }
    }
  }

  /**
   * Whether `name` was deleted within `deletedDocumentTtlMs`: then joins are refused, and the
   * HTTP API creating it again writes to storage directly (no room can hold it).
   */
  async recentlyDeleted(name: string): Promise<boolean> {
    const ttl = this.context.deletedDocumentTtlMs ?? 0;
    if (ttl === 0) return false;
    const deletedAt = await this.context.store.deletedAt(name);
    return deletedAt !== null && Date.now() - deletedAt < ttl;
  }

  /**
   * Keeps `name`'s slot 'unloading' until `work` settles, so that joins wait for it, then frees
   * it; settles as `work` did, once the slot is free.
   */
  private holdWhile(name: string, work: Promise<void>): Promise<void> {
    const unloaded = work
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.slots.delete(name);
        this.context.metrics.roomsLoaded.set(this.slots.size);
      });
    this.slots.set(name, { state: 'unloading', unloaded });
    return unloaded.then(() => work);
  }

  /** Flushes and unloads every room; members must have left already. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.slots.entries()].map(async ([name, slot]) => {
        switch (slot.state) {
          case 'loading':
            await slot.loaded.then(
              () => this.closeSlot(name),
              () => undefined,
            );
            return;
          case 'loaded':
            await this.unload(name, slot);
            return;
          case 'unloading':
            await slot.unloaded;
            return;
          default:
            slot satisfies never;
        }
      }),
    );
  }

  private async closeSlot(name: string): Promise<void> {
    const slot = this.slots.get(name);
    if (slot?.state === 'loaded') await this.unload(name, slot);
  }

  private load(name: string): Slot {
    const slot: Slot = { state: 'loading', loaded: this.loadRoom(name) };
    this.slots.set(name, slot);
    this.context.metrics.roomsLoaded.set(this.slots.size);
    return slot;
  }

  /**
   * Loads a room into its slot; on any failure (the fan-out subscription, storage, a stored
   * update Yjs refuses, a recent delete) frees the slot. In cluster mode the order matters:
   * subscribe first, then load, then apply what peers published meanwhile, then ask them for
   * anything newer than storage had.
   */
  private async loadRoom(name: string): Promise<Room> {
    const { store, metrics, logger } = this.context;
    let channel: DocumentChannel | null = null;
    let room: Room | null = null;
    try {
      channel = await (this.context.fanOut ?? NO_FANOUT).subscribe(name);
      if (await this.recentlyDeleted(name)) throw new DocumentDeletedError(name);
      const stored = await store.load(name);
      // Read off the event loop for a large document, which other rooms would otherwise wait for.
      const stateVector = stored === null ? null : await stateVectorOfStoredOffThread(stored);
      room = new Room(name, this.context, stored, channel, stateVector);
      channel?.attach(room);
      room.resync();
      await this.context.prepare?.(room);
      this.slots.set(name, { state: 'loaded', room, unloadTimer: null, unloading: null });
      metrics.roomLoads.inc();
      logger.debug({ room: name }, 'room loaded');
      return room;
    } catch (error) {
      // A room built before the failure (prepare failed) holds timers and a document: drop them.
      if (room !== null) {
        room.flush();
        await room.settled();
        room.destroy();
      } else channel?.close();
      this.slots.delete(name);
      if (!(error instanceof DocumentDeletedError)) logger.error({ err: error, room: name }, 'loading the document failed');
      throw error;
    } finally {
      metrics.roomsLoaded.set(this.slots.size);
    }
  }

  private unloadWhenEmpty(name: string, slot: Extract<Slot, { state: 'loaded' }>): Promise<void> {
    if (slot.room.size === 0) return this.unload(name, slot);
    // Evicted members are still closing; the last one's release unloads the room.
    if (slot.unloading === null) {
      let resolve!: () => void;
      const promise = new Promise<void>((res) => {
        resolve = res;
      });
      slot.unloading = { promise, resolve };
    }
    return slot.unloading.promise;
  }

  /** Flushes and destroys the room of `slot`, then runs `then`, all before a join may load `name` again. */
  private unload(name: string, slot: Extract<Slot, { state: 'loaded' }>, then?: () => Promise<void>): Promise<void> {
    if (slot.unloadTimer !== null) clearTimeout(slot.unloadTimer);
    slot.unloadTimer = null;
    slot.unloading?.resolve();
    const { room } = slot;
    room.flush();
    const destroyed = room.settled().then(() => {
      room.destroy();
      this.context.metrics.roomUnloads.inc();
      this.context.unloaded?.(name);
      this.context.logger.debug({ room: name }, 'room unloaded');
    });
    return this.holdWhile(name, then === undefined ? destroyed : destroyed.then(then));
  }
}
