/** Cleaning up document stores that tests opened. */
import { StoreClosedError, type DocumentStore } from '../../server/storage/store.js';

/** Closes every store in `stores`, skipping those the test closed itself. */
export async function closeStores(stores: readonly DocumentStore[]): Promise<void> {
  for (const store of stores) {
    await store.close().catch((error: unknown) => {
      if (!(error instanceof StoreClosedError)) throw error;
    });
  }
}
