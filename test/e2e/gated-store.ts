/** A memory store whose appends can be held back, to observe clients before storage has written. */
import { createMemoryStore } from '../../server/storage/memory-store.js';
import type { DocumentStore } from '../../server/storage/store.js';

/** A store plus the gate in front of its appends. */
export interface GatedStore {
  readonly store: DocumentStore;
  /** From now on, appends wait until {@link release}. */
  hold(): void;
  /** Lets every held append through, and later ones straight away. */
  release(): void;
  /** Appends currently held. */
  readonly waiting: number;
}

/** A gated memory store; close `store` after the test. */
export function gatedStore(): GatedStore {
  const inner = createMemoryStore();
  let gate: { promise: Promise<void>; open(): void } | null = null;
  let waiting = 0;
  const store: DocumentStore = {
    load: (name) => inner.load(name),
    async append(name, update) {
      if (gate !== null) {
        waiting++;
        await gate.promise;
        waiting--;
      }
      return inner.append(name, update);
    },
    compact: (name) => inner.compact(name),
    info: (name) => inner.info(name),
    list: () => inner.list(),
    delete: (name) => inner.delete(name),
    close: () => inner.close(),
    versions: inner.versions,
    health: () => inner.health(),
    deletedAt: (name) => inner.deletedAt(name),
  };
  return {
    store,
    hold() {
      let open!: () => void;
      gate = { promise: new Promise<void>((resolve) => (open = resolve)), open };
    },
    release() {
      gate?.open();
      gate = null;
    },
    get waiting() {
      return waiting;
    },
  };
}
