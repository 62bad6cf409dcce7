/**
 * A replica of a room's document inside the server process: a member of the room, like a
 * connection, that keeps its own Y.Doc in sync over the same frames a client receives. What the
 * app changes in that doc goes to the room as this member's update: applied, stored, broadcast,
 * published to other instances and reported to webhooks like any client's edit. What other
 * clients change reaches the doc live. `documents.open` hands one to the app; `onLoad` edits
 * through one before anyone syncs.
 */
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import type { CloseCode } from '../../shared/close-codes.js';
import { MessageType, SyncMessageType } from '../../shared/protocol.js';
import { connectionOrigin, type ConnectionOrigin } from '../yjs/origins.js';
import type { EvictionReason, Room, RoomMember } from './room.js';

/** The origin of what the room sends this replica, so it is never sent back. */
const FROM_ROOM = Symbol('from-room');

/** Replicas are numbered below zero: connection ids count up from one. */
let nextReplicaId = -1;

/** A live copy of one loaded document, editable from server code. */
export class LocalReplica implements RoomMember {
  readonly origin: ConnectionOrigin = connectionOrigin(nextReplicaId--);
  /** The replica's document: read it, observe it, or change it through {@link transact}. */
  readonly doc = new Y.Doc();
  private closedBecause: EvictionReason | 'closed' | null = null;
  private synced: () => void = () => undefined;
  /** Writes handed to the room that are not yet durable. */
  private readonly writes = new Set<Promise<void>>();

  private constructor(
    private readonly room: Room,
    private readonly onLeave: (replica: LocalReplica) => void,
  ) {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== FROM_ROOM) this.write(update);
    });
  }

  /**
   * Joins `room` and resolves once the replica holds everything the room holds. The caller must
   * have acquired the room; `onLeave` is told once when the replica leaves it, by {@link close} or
   * because the room closed it, so the caller can release the room.
   */
  static async join(room: Room, onLeave: (replica: LocalReplica) => void): Promise<LocalReplica> {
    const replica = new LocalReplica(room, onLeave);
    const synced = new Promise<void>((resolve) => {
      replica.synced = resolve;
    });
    room.join(replica);
    room.answerStep1(replica, Y.encodeStateVector(replica.doc));
    await synced;
    return replica;
  }

  /** True once closed, by {@link close} or because the room closed it. */
  get closed(): boolean {
    return this.closedBecause !== null;
  }

  /**
   * Runs `change` in one transaction on {@link doc}; resolves once what it changed is durable.
   * @example
   * await handle.transact((doc) => doc.getText('notes').insert(0, 'Agenda\n'));
   */
  async transact(change: (doc: Y.Doc) => void): Promise<void> {
    if (this.closedBecause !== null) throw new Error(`the document handle is closed (${this.closedBecause})`);
    this.doc.transact(() => change(this.doc));
    await this.durable();
  }

  /** Resolves once every change made so far is durable. */
  async durable(): Promise<void> {
    while (this.writes.size > 0) await Promise.all(this.writes);
  }

  /** Leaves the room after the replica's changes are durable. Idempotent. */
  async close(): Promise<void> {
    if (this.closedBecause === null) {
      await this.durable().finally(() => this.leave('closed'));
      return;
    }
    await this.durable();
  }

  send(frame: Uint8Array): void {
    if (this.closedBecause !== null) return;
    const decoder = decoding.createDecoder(frame);
    if (decoding.readVarUint(decoder) !== MessageType.Sync) return;
    const type = decoding.readVarUint(decoder);
    const payload = decoding.readVarUint8Array(decoder);
    switch (type) {
      case SyncMessageType.Step1: {
        // The room asks what this replica has that it lacks: changes made before it answered.
        const missing = Y.encodeStateAsUpdate(this.doc, payload);
        if (missing.length > 2) this.write(missing);
        return;
      }
      case SyncMessageType.Step2:
        Y.applyUpdate(this.doc, payload, FROM_ROOM);
        this.synced();
        return;
      case SyncMessageType.Update:
        Y.applyUpdate(this.doc, payload, FROM_ROOM);
        return;
      default:
    }
  }

  evict(_code: CloseCode, reason: EvictionReason): void {
    this.leave(reason);
  }

  private write(update: Uint8Array): void {
    if (this.closedBecause !== null) return;
    const written: Promise<void> = this.room.applyUpdate(this, update).finally(() => this.writes.delete(written));
    // Handled here so a failed write nobody awaits is not an unhandled rejection; durable() still sees it.
    written.catch(() => undefined);
    this.writes.add(written);
  }

  private leave(reason: EvictionReason | 'closed'): void {
    if (this.closedBecause !== null) return;
    this.closedBecause = reason;
    this.synced();
    this.room.leave(this);
    this.doc.destroy();
    this.onLeave(this);
  }
}
