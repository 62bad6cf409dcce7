/**
 * Fan-out between instances serving the same documents (cluster mode). The room side of the seam:
 * a room publishes through its {@link DocumentChannel} what its own clients changed (once durable)
 * and receives, as a {@link FanOutPeer}, what the other instances' clients changed. Without a
 * cluster ({@link NO_FANOUT}) a room gets no channel at all, so it spends nothing on encoding
 * presence or updates for peers that do not exist.
 */

/** Who introduced a presence state on another instance: one connection there. */
export interface RemoteSource {
  readonly instanceId: string;
  readonly connectionId: number;
}

/** What a room receives from the other instances. */
export interface FanOutPeer {
  /** An update another instance's client sent; it is durable in the shared storage already. */
  applyRemoteUpdate(update: Uint8Array): void;
  /** Presence states (an awareness update) that `source`'s connection introduced or removed. */
  applyRemoteAwareness(source: RemoteSource, payload: Uint8Array): void;
  /**
   * Another instance's state vector for this document: publish what this instance holds beyond
   * it, and with `answer`, this instance's own state vector so that the asker answers in turn.
   */
  answerPeer(stateVector: Uint8Array, answer: boolean): void;
  /** The channel was away (Redis down) and is back: exchange state vectors, publish own presence. */
  resync(): void;
  /** The instance stopped renewing its liveness key: drop the presence of its clients. */
  dropInstance(instanceId: string): void;
}

/** A room's subscription to its document's channel. */
export interface DocumentChannel {
  /**
   * Starts delivering to `peer`: first what arrived since the subscription, in order, then live.
   * Called once, after the room loaded from storage.
   */
  attach(peer: FanOutPeer): void;
  /** Publishes an update this instance's clients sent, after it is durable. */
  publishUpdate(update: Uint8Array): void;
  /** Publishes the presence states of local connection `connectionId` (or their removal). */
  publishAwareness(connectionId: number, payload: Uint8Array): void;
  /** Publishes this instance's state vector; peers answer with what it lacks (and theirs, with `answer`). */
  requestSync(stateVector: Uint8Array, answer: boolean): void;
  /** Unsubscribes; nothing is delivered afterwards. */
  close(): void;
}

/** The fan-out of one instance. */
export interface FanOut {
  /** This instance's id, which tags everything it publishes. */
  readonly instanceId: string;
  /** True while the fan-out carries messages (always, without a cluster). */
  ready(): boolean;
  /**
   * Subscribes to `name`'s channel; resolves once subscribed, so nothing published later is
   * missed. Null: there are no peers to talk to.
   */
  subscribe(name: string): Promise<DocumentChannel | null>;
  /** Stops liveness renewal and disconnects. */
  close(): Promise<void>;
}

/** A single instance: no peers, no channels. */
export const NO_FANOUT: FanOut = Object.freeze({
  instanceId: 'single',
  ready: () => true,
  subscribe: () => Promise.resolve(null),
  close: () => Promise.resolve(),
});
