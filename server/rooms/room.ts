/**
 * One loaded document: its Y.Doc, its presence, its members, and the coalesced broadcast.
 *
 * Hot path: a received update is applied once; what Yjs integrated (the doc's `update` event, so
 * nothing pending or partial is ever relayed) joins the turn's {@link UpdateBatch}: one append to
 * storage, then one merged frame for the other members. Awareness changes are broadcast at most
 * once per {@link AWARENESS_BROADCAST_INTERVAL_MS}, all of them in one frame. Every broadcast is
 * encoded once and every member gets the same bytes.
 */
import * as Y from 'yjs';
import { CloseCode } from '../../shared/close-codes.js';
import type { Limits } from '../../shared/limits.js';
import { SyncMessageType } from '../../shared/protocol.js';
import type { DocumentChannel, FanOutPeer, RemoteSource } from '../cluster/fanout.js';
import type { DocumentStore } from '../storage/store.js';
import type { Logger } from '../observability/logger.js';
import type { ServerMetrics } from '../observability/metrics.js';
import { ConnectionError } from '../wire/errors.js';
import { encodeSyncFrame } from '../wire/frames.js';
import { FANOUT_ORIGIN, STORAGE_ORIGIN, type ConnectionOrigin, type TransactionOrigin } from '../yjs/origins.js';
import { PendingUpdates, type Applied, type PendingBound } from '../yjs/pending-updates.js';
import { diffStored, isEmptyUpdate, stateVectorOfStored } from '../yjs/stored-document.js';
import { AwarenessChange, AwarenessTable, type StateRewrite } from './awareness-owner.js';
import { Contributors } from './contributors.js';
import { atEndOfTurn } from './end-of-turn.js';
import { UpdateBatch, createDeferred, type Deferred } from './update-batch.js';

/** Why a room closes a member that did nothing wrong: its doc must be reloaded from storage. */
export type EvictionReason = 'room_reset' | 'storage_failed' | 'document_deleted' | 'pending_updates';

/** What a room needs from a connection. */
export interface RoomMember {
  /** Identifies this member's transactions; created once per connection. */
  readonly origin: ConnectionOrigin;
  /** Queues one frame for the member (the frame may be shared with other members: never mutated). */
  send(frame: Uint8Array): void;
  /** Closes the member's connection because of the room, not because of anything it sent. */
  evict(code: CloseCode, reason: EvictionReason): void;
  /**
   * Who the member is, for presence: only a later member with the same claim may take back a
   * presence id of this one's after it left (see awareness-owner.ts). Absent: anyone may.
   */
  readonly presenceClaim?: string;
}

/** What a room needs from the server. */
export interface RoomContext {
  readonly store: DocumentStore;
  readonly metrics: ServerMetrics;
  readonly logger: Logger;
  readonly limits: Pick<Limits, 'maxAwarenessStateBytes' | 'maxAwarenessClientsPerConnection' | 'maxPendingUpdateBytes' | 'maxPendingUpdateAgeMs'>;
}

/**
 * Longest delay before unchanged presence renewals are relayed. y-protocols renews a state after
 * 15 s (checked every 3 s) and peers drop a state not renewed within 30 s, so 18 s + 5 s keeps every
 * view alive; meanwhile renewals ride along with any other awareness broadcast of the room.
 */
export const AWARENESS_RENEWAL_DELAY_MS = 5_000;

/**
 * Shortest gap between two awareness broadcasts of a room. Changes inside the gap go out together
 * at its end (the latest state per client), so a room of n clients moving pointers at 20 Hz costs
 * at most 50 frames per second per peer instead of 20 n. It also bounds the echo: a stock
 * y-websocket client re-sends every awareness frame it receives. A first change after a quiet
 * gap goes out at once.
 */
export const AWARENESS_BROADCAST_INTERVAL_MS = 20;

/** Who owns a presence state: a member here, or a connection on another instance. */
type AwarenessOwner = RoomMember | RemoteSource;

/** What an update that waits for its dependencies resolves with once it was dropped: never. */
const NEVER_SAVED: Promise<void> = new Promise(() => undefined);

/** The limit each pending bound is named by in metrics. */
const PENDING_LIMIT = { bytes: 'max_pending_update_bytes', age: 'max_pending_update_age_ms' } as const;

/**
 * A loaded document and its members. Created by the registry, which owns its lifecycle. In
 * cluster mode it is also the {@link FanOutPeer} of its document's channel: it publishes what its
 * members changed once that is durable, and relays (without storing) what other instances' clients
 * changed, which those instances stored.
 */
export class Room implements FanOutPeer {
  private readonly doc = new Y.Doc({ gc: true });
  /**
   * The stored document while it is not yet applied to {@link doc}. Joins are answered from these
   * bytes (a state vector and a diff read straight from the update) until the first update needs
   * the doc: building a Y.Doc of a large document is the slowest part of a cold load, and a
   * reader who only opens the document never needs it.
   */
  private stored: Uint8Array | null;
  private storedStateVector: Uint8Array | null;
  private readonly members = new Set<RoomMember>();
  private readonly awareness: AwarenessTable<AwarenessOwner>;
  /** One owner per connection of another instance that has presence here. */
  private readonly remoteOwners = new Map<string, RemoteSource>();
  private readonly updates: UpdateBatch<RoomMember>;
  /** What members sent that waits for its dependencies, outside of the doc (see pending-updates.ts). */
  private readonly pending: PendingUpdates<RoomMember>;
  /** Frames of members waiting for their pending updates to integrate before they count as saved. */
  private pendingWaiters: Deferred[] = [];
  private readonly awarenessFrom = new Contributors<RoomMember>();
  /** Set when awareness changes wait for the broadcast interval (or renewals for their delay). */
  private awarenessTimer: NodeJS.Timeout | null = null;
  private awarenessDueAt = Number.POSITIVE_INFINITY;
  /** Bumped by every broadcast: a broadcast planned for the end of a turn runs only if still due. */
  private awarenessTurn = 0;
  private lastAwarenessBroadcast = Number.NEGATIVE_INFINITY;
  /** Set while an update is applied: what Yjs integrated in its transaction. */
  private integrated: Uint8Array | null = null;
  private isPoisoned = false;

  constructor(
    readonly name: string,
    private readonly context: RoomContext,
    stored: Uint8Array | null,
    private readonly channel: DocumentChannel | null = null,
    storedStateVector: Uint8Array | null = null,
  ) {
    this.awareness = new AwarenessTable<AwarenessOwner>(context.limits.maxAwarenessStateBytes, context.limits.maxAwarenessClientsPerConnection, (owner) =>
      'instanceId' in owner ? null : (owner.presenceClaim ?? null),
    );
    this.updates = new UpdateBatch({
      name,
      store: context.store,
      metrics: context.metrics,
      logger: context.logger,
      broadcast: (frame, skip) => this.broadcastExcept(frame, skip),
      sendTo: (member, frame) => {
        if (this.members.has(member)) member.send(frame);
      },
      stored: (update) => this.channel?.publishUpdate(update),
      // The doc now holds changes storage does not: reload it from storage, and let every client
      // reconnect and send what the reloaded doc lacks.
      writeFailed: () => this.reset(null, 'storage_failed'),
    });
    this.pending = new PendingUpdates(this.doc, context.limits, (senders, bound) => this.pendingExceeded(senders, bound));
    this.stored = stored;
    try {
      // Reading the state vector walks every struct, so a stored update cut short fails the load here.
      this.storedStateVector = stored === null ? null : (storedStateVector ?? stateVectorOfStored(stored));
    } catch (error) {
      this.doc.destroy();
      throw error;
    }
    this.doc.on('update', (update: Uint8Array, origin: TransactionOrigin) => this.onDocUpdate(update, origin));
  }

  /**
   * True once the doc holds content storage does not (a refused update integrated in part, or a
   * failed write): never hand it to a new member; unload it as soon as it is empty.
   */
  get poisoned(): boolean {
    return this.isPoisoned;
  }

  /** Number of members. */
  get size(): number {
    return this.members.size;
  }

  /**
   * Adds a member. At the end of the turn it gets the server's state vector (asking for whatever
   * the client has that the server lacks) and everyone's presence: by then the step 1 the client
   * sent on connecting, usually queued while the room loaded, has been answered, so a reader gets
   * the text before the server spends time reading a state vector out of a large stored update.
   */
  join(member: RoomMember): void {
    this.members.add(member);
    this.awareness.join(member);
    setImmediate(() => {
      if (!this.members.has(member)) return;
      member.send(encodeSyncFrame(SyncMessageType.Step1, this.storedStateVector ?? Y.encodeStateVector(this.doc)));
      const presence = this.awarenessFrame();
      if (presence !== null) member.send(presence);
    });
  }

  /** Removes a member and, at once, its presence. */
  leave(member: RoomMember): void {
    if (!this.members.delete(member)) return;
    const ids = this.channel === null ? [] : this.awareness.idsOf(member);
    if (this.awareness.removeOwner(member)) {
      this.awarenessFrom.add(null);
      this.markAwarenessDirty();
      if (ids.length > 0) this.channel?.publishAwareness(member.origin.connectionId, this.awareness.encode(ids));
    }
  }

  /**
   * Answers a client's state vector with a sync step 2. While edits are still being written the
   * answer waits for them, so that nobody receives what a crash could lose. Throws a 4400
   * {@link ConnectionError} for a bad state vector.
   */
  answerStep1(member: RoomMember, stateVector: Uint8Array): void {
    let missing: Uint8Array;
    try {
      missing = this.missingFrom(stateVector);
    } catch (error) {
      throw new ConnectionError(CloseCode.BadMessage, 'undecodable', { cause: error });
    }
    const answer = encodeSyncFrame(SyncMessageType.Step2, missing);
    const undurable = this.updates.undurable();
    if (undurable === null) member.send(answer);
    // A failed write resets the room and closes the member: then there is nobody to answer.
    else
      undurable.then(
        () => member.send(answer),
        () => undefined,
      );
  }

  /**
   * Applies an update a member sent. Resolves once everything it changed is durable, at once if
   * it changed nothing; while part of it waits for missing dependencies, it is not saved and
   * does not resolve until they arrived and it is durable. Throws a 4400 {@link ConnectionError}
   * if Yjs refuses it.
   */
  applyUpdate(member: RoomMember, update: Uint8Array): Promise<void> {
    this.materialize();
    const start = performance.now();
    this.integrated = null;
    let applied: Applied;
    try {
      applied = this.pending.apply(update, member.origin, member);
    } catch (error) {
      const partial = this.integrated !== null;
      this.integrated = null;
      if (partial) this.reset(member, 'room_reset');
      throw new ConnectionError(CloseCode.BadMessage, 'update_rejected', { cause: error });
    }
    this.context.metrics.applySeconds.observe((performance.now() - start) / 1000);
    const integrated = this.integrated;
    this.integrated = null;
    // Held updates of others that it completed integrated in the same transaction: then nobody
    // may be spared what integrated.
    const durable = integrated === null ? null : this.updates.add(applied.retried ? null : member, integrated);
    this.releasePendingWaiters();
    if (applied.waits) {
      // Past a bound it was dropped, and the member closed: it is never saved here.
      if (!this.pending.isHolding(member)) return NEVER_SAVED;
      const waiter = createDeferred();
      this.pendingWaiters.push(waiter);
      return waiter.promise;
    }
    return durable ?? this.updates.settled();
  }

  /**
   * Applies an awareness update (the payload of a type-1 frame) a member sent; `rewrite` (the
   * member's identity stamp, with auth on) is applied to each state it introduces or changes.
   */
  applyAwareness(member: RoomMember, payload: Uint8Array, rewrite: StateRewrite = null): void {
    const touched = this.channel === null ? undefined : new Set<number>();
    const change = this.awareness.apply(member, payload, rewrite, touched);
    if (touched !== undefined && change !== AwarenessChange.None) {
      this.channel?.publishAwareness(member.origin.connectionId, this.awareness.encode(touched));
    }
    this.awarenessApplied(change, member);
  }

  /** Applies an update another instance stored: relayed to every member, never stored again. */
  applyRemoteUpdate(update: Uint8Array): void {
    try {
      this.materialize();
      this.integrated = null;
      const { retried } = this.pending.apply(update, FANOUT_ORIGIN, null);
      const integrated = this.integrated;
      this.integrated = null;
      if (integrated !== null) {
        // Stored by the instance whose client sent it: relayed here, never stored or published
        // again; unless it completed updates held here, which nobody stored yet.
        if (retried) void this.updates.add(null, integrated);
        else this.broadcast(encodeSyncFrame(SyncMessageType.Update, integrated), null);
      }
      this.releasePendingWaiters();
    } catch (error) {
      this.context.logger.warn({ err: error, room: this.name }, 'dropped an update from another instance that Yjs refused');
    }
  }

  /** Applies presence that a connection on another instance introduced, changed or removed. */
  applyRemoteAwareness(source: RemoteSource, payload: Uint8Array): void {
    const key = `${source.instanceId}/${source.connectionId}`;
    let owner = this.remoteOwners.get(key);
    if (owner === undefined) {
      owner = source;
      this.remoteOwners.set(key, owner);
    }
    let change: AwarenessChange = AwarenessChange.None;
    try {
      change = this.awareness.apply(owner, payload);
    } catch (error) {
      this.context.logger.warn({ err: error, room: this.name, instance: source.instanceId }, 'dropped presence from another instance');
    }
    if (this.awareness.idsOf(owner).length === 0) this.remoteOwners.delete(key);
    this.awarenessApplied(change, null);
  }

  /** Plans the broadcast that an awareness change from `from` (null: another instance) calls for. */
  private awarenessApplied(change: AwarenessChange, from: RoomMember | null): void {
    if (change !== AwarenessChange.None) this.awarenessFrom.add(from);
    if (change === AwarenessChange.Changed) this.markAwarenessDirty();
    else if (change === AwarenessChange.Renewed) this.broadcastAwarenessIn(AWARENESS_RENEWAL_DELAY_MS);
  }

  /**
   * Publishes what this room holds beyond a peer's state vector, once it is durable (a peer must
   * never relay what a crash here could lose); answering a first request, also this room's state
   * vector and its members' presence, so the asker catches up both ways.
   */
  answerPeer(stateVector: Uint8Array, answer: boolean): void {
    let missing: Uint8Array;
    try {
      missing = this.missingFrom(stateVector);
    } catch (error) {
      this.context.logger.warn({ err: error, room: this.name }, 'dropped a state vector from another instance that Yjs refused');
      return;
    }
    const publish = (): void => {
      if (!isEmptyUpdate(missing)) this.channel?.publishUpdate(missing);
      if (answer) this.publishState(false);
    };
    const undurable = this.updates.undurable();
    if (undurable === null) publish();
    else undurable.then(publish, () => undefined);
  }

  /** Asks peers for what this room lacks (and to ask back), and publishes its members' presence. */
  resync(): void {
    this.publishState(true);
  }

  /** Publishes this room's state vector (peers answer; with `answer` they also ask back) and its members' presence. */
  private publishState(answer: boolean): void {
    const channel = this.channel;
    if (channel === null) return;
    channel.requestSync(this.storedStateVector ?? Y.encodeStateVector(this.doc), answer);
    for (const member of this.members) {
      const ids = this.awareness.idsOf(member);
      if (ids.length > 0) channel.publishAwareness(member.origin.connectionId, this.awareness.encode(ids));
    }
  }

  /** Removes the presence of every client of an instance that stopped renewing its liveness. */
  dropInstance(instanceId: string): void {
    for (const [key, owner] of this.remoteOwners) {
      if (owner.instanceId !== instanceId) continue;
      this.remoteOwners.delete(key);
      if (this.awareness.removeOwner(owner)) {
        this.awarenessFrom.add(null);
        this.markAwarenessDirty();
      }
    }
  }

  /** Every present state in one awareness frame, or null when nobody has one. */
  awarenessFrame(): Uint8Array | null {
    return this.awareness.snapshotFrame();
  }

  /** Broadcasts and stores everything queued, now rather than when it is due. */
  flush(): void {
    this.updates.flush();
    this.flushAwareness();
  }

  /** Settles once every write handed to storage so far has settled (flush first); never rejects. */
  settled(): Promise<void> {
    return this.updates.settled();
  }

  /** Drops timers and the document. The registry calls it once, after the last write settled. */
  destroy(): void {
    if (this.awarenessTimer !== null) clearTimeout(this.awarenessTimer);
    this.awarenessTimer = null;
    this.awarenessTurn++;
    this.channel?.close();
    this.pending.clear();
    this.doc.destroy();
  }

  /** What this room holds beyond `stateVector`; throws for a state vector Yjs cannot read. */
  private missingFrom(stateVector: Uint8Array): Uint8Array {
    return this.stored === null ? Y.encodeStateAsUpdate(this.doc, stateVector) : diffStored(this.stored, stateVector);
  }

  /** Applies the stored document to {@link doc} if that has not happened yet. */
  private materialize(): void {
    const stored = this.stored;
    if (stored === null) return;
    this.stored = null;
    this.storedStateVector = null;
    try {
      this.pending.apply(stored, STORAGE_ORIGIN, null);
    } catch (error) {
      this.reset(null, 'room_reset');
      throw new ConnectionError(CloseCode.InternalError, 'room_load_failed', { cause: error });
    } finally {
      this.integrated = null;
    }
  }

  private onDocUpdate(update: Uint8Array, origin: TransactionOrigin): void {
    // Yjs's own transaction, tidying formatting after a concurrent edit: a change storage lacks
    // and every member needs, the sender of the edit included.
    if (origin === null) {
      void this.updates.add(null, update);
      return;
    }
    switch (origin.kind) {
      case 'connection':
      case 'fanout':
      case 'storage':
        // Whoever applied it decides where it goes, once it knows what integrated with it.
        this.integrated = this.integrated === null ? update : Y.mergeUpdates([this.integrated, update]);
        return;
      default:
        origin satisfies never;
    }
  }

  /** Once nothing is held any more, the frames that waited are saved with what is being written now. */
  private releasePendingWaiters(): void {
    if (this.pendingWaiters.length === 0 || this.pending.holding) return;
    const durable = this.updates.undurable() ?? Promise.resolve();
    for (const waiter of this.pendingWaiters) durable.then(waiter.resolve, waiter.reject);
    this.pendingWaiters = [];
  }

  /**
   * Held updates passed a bound and were dropped: close their senders, which resync (and send
   * them again) on reconnecting. Everyone else stays; nothing stored or integrated changes.
   */
  private pendingExceeded(senders: ReadonlySet<RoomMember>, bound: PendingBound): void {
    this.pendingWaiters = [];
    this.context.metrics.limitHit(PENDING_LIMIT[bound]);
    this.context.logger.warn({ room: this.name, bound, senders: senders.size }, 'dropped updates whose dependencies did not arrive');
    for (const member of senders) {
      if (this.members.has(member)) member.evict(CloseCode.MissingDependencies, 'pending_updates');
    }
  }

  private markAwarenessDirty(): void {
    this.broadcastAwarenessIn(this.lastAwarenessBroadcast + AWARENESS_BROADCAST_INTERVAL_MS - performance.now());
  }

  /**
   * Plans an awareness broadcast in `delayMs` (on the next timer tick if not positive), unless
   * one is due sooner. Everything that changes until then goes out in that one broadcast.
   */
  private broadcastAwarenessIn(delayMs: number): void {
    const now = performance.now();
    const due = now + Math.max(0, delayMs);
    if (due >= this.awarenessDueAt) return;
    if (this.awarenessTimer !== null) clearTimeout(this.awarenessTimer);
    this.awarenessDueAt = due;
    if (delayMs > 0) {
      this.awarenessTimer = setTimeout(() => this.flushAwareness(), delayMs);
      return;
    }
    // Already due: at the end of this turn, with the updates, rather than on a timer of its own.
    this.awarenessTimer = null;
    const turn = ++this.awarenessTurn;
    atEndOfTurn(() => {
      if (turn === this.awarenessTurn) this.flushAwareness();
    });
  }

  private flushAwareness(): void {
    if (this.awarenessTimer !== null) clearTimeout(this.awarenessTimer);
    this.awarenessTimer = null;
    this.awarenessTurn++;
    this.awarenessDueAt = Number.POSITIVE_INFINITY;
    const frame = this.awareness.takeFrame();
    if (frame === null) return;
    this.lastAwarenessBroadcast = performance.now();
    this.broadcast(frame, this.awarenessFrom.take());
  }

  /** Sends the same bytes to every member but `skip`. */
  private broadcast(frame: Uint8Array, skip: RoomMember | null): void {
    for (const member of this.members) {
      if (member !== skip) member.send(frame);
    }
  }

  /** Sends the same bytes to every member not in `skip`. */
  private broadcastExcept(frame: Uint8Array, skip: ReadonlySet<RoomMember>): void {
    for (const member of this.members) {
      if (!skip.has(member)) member.send(frame);
    }
  }

  /**
   * The doc holds content storage does not: a refused update that Yjs had already partly
   * integrated (valid structs, then a truncated delete set), or a write that failed. Rather than
   * serve it in later syncs, every member (but the offender, closed for what it sent) is closed
   * with 1011 and the registry drops the room, so the next join loads the stored document and
   * the clients, which still hold all their own changes, send what it lacks.
   */
  private reset(offender: RoomMember | null, reason: EvictionReason): void {
    this.isPoisoned = true;
    this.context.logger.warn({ room: this.name, reason }, 'resetting room');
    for (const member of this.members) {
      if (member !== offender) member.evict(CloseCode.InternalError, reason);
    }
  }
}
