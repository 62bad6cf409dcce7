/**
 * Documents from server code: `documents.open(name)` loads a document (or joins it where clients
 * have it open) and hands back a live replica whose edits are stored, broadcast, published to
 * other instances and reported to webhooks like any client's; and `onLoad`, run through the same
 * replica before anyone syncs a freshly loaded document.
 */
import type * as Y from 'yjs';
import { isValidDocumentName } from '../../shared/document-name.js';
import { LocalReplica } from '../rooms/local-replica.js';
import type { RoomRegistry } from '../rooms/registry.js';
import type { Room } from '../rooms/room.js';
import type { HookRunner } from './hooks.js';

/** A loaded document, held open by server code until {@link close}. */
export interface DocumentHandle {
  readonly name: string;
  /** The live document: other clients' edits arrive in it; change it through {@link transact}. */
  readonly doc: Y.Doc;
  /** True once closed, by {@link close}, a delete of the document or the server's shutdown. */
  readonly closed: boolean;
  /** Runs `change` in one transaction; resolves once the change is durable. */
  transact(change: (doc: Y.Doc) => void): Promise<void>;
  /** Resolves once this handle's changes are durable and the room may unload. */
  close(): Promise<void>;
}

/** `tandem.documents`. */
export interface TandemDocuments {
  /**
   * Opens `name` (created empty if it does not exist).
   * @example
   * const handle = await tandem.documents.open('notes');
   * await handle.transact((doc) => doc.getText('t').insert(0, 'hi'));
   * await handle.close();
   */
  open(name: string): Promise<DocumentHandle>;
}

/** {@link TandemDocuments} with what the server needs to shut it down. */
export interface DocumentsFacade extends TandemDocuments {
  /** Closes every open handle (their changes durable first). */
  closeAll(): Promise<void>;
}

/** The server's `documents`, over its room registry. */
export function createDocuments(registry: RoomRegistry): DocumentsFacade {
  const open = new Set<LocalReplica>();
  return {
    async open(name) {
      if (!isValidDocumentName(name)) throw new TypeError(`'${name}' is not a valid document name`);
      const room = await registry.acquire(name);
      // Joined before anything else is awaited: an acquired room with no member may unload.
      const replica = await LocalReplica.join(room, (left) => {
        open.delete(left);
        registry.release(room);
      });
      if (!replica.closed) open.add(replica);
      return {
        name,
        doc: replica.doc,
        get closed() {
          return replica.closed;
        },
        transact: (change) => replica.transact(change),
        close: () => replica.close(),
      };
    },
    async closeAll() {
      await Promise.all([...open].map((replica) => replica.close().catch(() => undefined)));
    },
  };
}

/**
 * The registry's `prepare` step running the app's `onLoad` on a replica of the freshly loaded
 * room, within the hook timeout; what it changed is durable before the load completes. A failure
 * is logged, counted and rethrown, so the load fails and nothing is cached.
 */
export function onLoadStep(runner: HookRunner): ((room: Room) => Promise<void>) | undefined {
  const { onLoad } = runner.hooks;
  if (onLoad === undefined) return undefined;
  return async (room) => {
    const replica = await LocalReplica.join(room, () => undefined);
    try {
      await runner.bounded('onLoad', () => onLoad.call(runner.hooks, { documentName: room.name, doc: replica.doc }));
      await replica.durable();
    } catch (error) {
      runner.failed('onLoad', error, { room: room.name });
      throw error;
    } finally {
      await replica.close().catch(() => undefined);
    }
  };
}
