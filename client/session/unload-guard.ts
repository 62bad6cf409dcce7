/**
 * The browser's "leave site?" warning, armed only while some local change is not yet saved on the
 * server. A `beforeunload` listener is attached only while needed: browsers keep pages with one
 * out of the back-forward cache.
 */
import { hasUnsavedChanges, type SessionStatus } from './status.js';

interface StatusSource {
  readonly status: SessionStatus;
  onStatus(listener: (status: SessionStatus) => void): () => void;
}

/** Warns before the page unloads while `source` has unsaved changes; returns the disarm function. */
export function warnWhileUnsaved(source: StatusSource): () => void {
  if (typeof window === 'undefined') return () => undefined;
  let armed = false;
  const onBeforeUnload = (event: BeforeUnloadEvent): void => {
    event.preventDefault();
    // Older browsers show the warning only when returnValue is set.
    event.returnValue = '';
  };
  const sync = (status: SessionStatus): void => {
    const unsaved = hasUnsavedChanges(status);
    if (unsaved === armed) return;
    armed = unsaved;
    if (armed) window.addEventListener('beforeunload', onBeforeUnload);
    else window.removeEventListener('beforeunload', onBeforeUnload);
  };
  sync(source.status);
  const unsubscribe = source.onStatus(sync);
  return () => {
    unsubscribe();
    sync({ kind: 'connecting' });
  };
}
