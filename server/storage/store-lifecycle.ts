/**
 * The open → closing → closed life that every store shares: once `close()` begins, every call
 * is refused with {@link StoreClosedError}; document names are checked before they become
 * storage keys.
 */
import { isValidDocumentName } from '../../shared/document-name.js';
import { StoreClosedError } from './store.js';

type Lifecycle = 'open' | 'closing' | 'closed';

/** Where one store is in its life. */
export class StoreLifecycle {
  #state: Lifecycle = 'open';

  /** True until `close` begins. */
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** Throws {@link StoreClosedError} once `close` began. */
  checkOpen(): void {
    if (this.#state !== 'open') throw new StoreClosedError();
  }

  /** {@link checkOpen}, then refuses an invalid document name with a TypeError. */
  checkName(name: string): void {
    this.checkOpen();
    // Names become storage keys: one with a control character could end up in another's key range.
    if (!isValidDocumentName(name)) throw new TypeError(`invalid document name ${JSON.stringify(name)}`);
  }

  /**
   * Refuses new calls, waits for each of `pending` in turn (compactions, then writes, say) to
   * settle, then runs `release` (the storage).
   */
  async close(pending: ReadonlyArray<{ settled(): Promise<unknown> }>, release: () => Promise<void>): Promise<void> {
    this.checkOpen();
    this.#state = 'closing';
    for (const work of pending) await work.settled();
    this.#state = 'closed';
    await release();
  }
}
