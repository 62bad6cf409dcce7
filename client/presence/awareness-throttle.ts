/**
 * The one sender of this client's awareness state. y-websocket sends a frame for every awareness
 * change; a pointer moving at 200 events per second would flood the room. This sender coalesces
 * changes into a fixed window, sending on the leading edge (the first move goes out at once) and
 * the trailing edge (the last position always arrives), and sends nothing when nothing changed.
 *
 * Renewals are the exception that keeps presence alive: y-protocols re-sets an unchanged local
 * state every 15 s, and peers drop a state not renewed within 30 s. An update that changes nothing
 * is therefore still sent when the last send is older than {@link RENEWAL_AFTER_MS}.
 */
import { encodeAwarenessUpdate, outdatedTimeout, type Awareness } from 'y-protocols/awareness';

/** Default sending window: at most 20 awareness frames per second. */
export const DEFAULT_AWARENESS_WINDOW_MS = 50;

/** The window never gets shorter than this: at most 30 awareness frames per second. */
export const MIN_AWARENESS_WINDOW_MS = 1000 / 30;

/**
 * An unchanged state is re-sent when the last send is at least this old. Well below the 30 s after
 * which peers drop a state, even when a redundant set just before it postpones the 15 s renewal.
 */
export const RENEWAL_AFTER_MS = outdatedTimeout / 6;

/** Options of {@link throttleAwareness}. */
export interface AwarenessThrottleOptions {
  /** Sending window in milliseconds; raised to {@link MIN_AWARENESS_WINDOW_MS} if shorter. */
  windowMs?: number;
}

/** A running throttled sender. */
export interface AwarenessThrottle {
  /** Sends what is pending now, ignoring the window (e.g. before the page goes away). */
  flush(): void;
  /** Stops listening; sends what is pending first. */
  destroy(): void;
}

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

const involves = (change: AwarenessChange, clientId: number): boolean =>
  change.added.includes(clientId) || change.updated.includes(clientId) || change.removed.includes(clientId);

/** Converts a send rate in Hz to the sending window, enforcing the 30 Hz cap. */
export function windowForRate(hz: number): number {
  return Math.max(MIN_AWARENESS_WINDOW_MS, 1000 / hz);
}

/**
 * Sends the local awareness state through `send`, throttled. Only the local client's state is
 * sent: relaying peers' states back to the server (as y-websocket does) only adds traffic.
 * The removal of the local state is sent at once, since it is usually the last thing a page does.
 */
export function throttleAwareness(awareness: Awareness, send: (update: Uint8Array) => void, options: AwarenessThrottleOptions = {}): AwarenessThrottle {
  const windowMs = Math.max(MIN_AWARENESS_WINDOW_MS, options.windowMs ?? DEFAULT_AWARENESS_WINDOW_MS);
  const self = awareness.clientID;
  let changed = false;
  let touched = false;
  let lastSentAt = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const flush = (): void => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    const now = Date.now();
    const due = changed || (touched && now - lastSentAt >= RENEWAL_AFTER_MS);
    changed = false;
    touched = false;
    if (!due) return;
    lastSentAt = now;
    send(encodeAwarenessUpdate(awareness, [self]));
  };

  const onChange = (change: AwarenessChange): void => {
    if (involves(change, self)) changed = true;
  };

  const onUpdate = (change: AwarenessChange): void => {
    if (!involves(change, self)) return;
    touched = true;
    if (awareness.getLocalState() === null) {
      flush();
      return;
    }
    if (timer !== null) return;
    const wait = lastSentAt + windowMs - Date.now();
    if (wait <= 0) flush();
    else timer = setTimeout(flush, wait);
  };

  // y-protocols emits 'change' (state differs) before 'update' (state set), so `changed` is
  // known by the time `onUpdate` decides.
  awareness.on('change', onChange);
  awareness.on('update', onUpdate);
  return {
    flush,
    destroy() {
      flush();
      awareness.off('change', onChange);
      awareness.off('update', onUpdate);
    },
  };
}
