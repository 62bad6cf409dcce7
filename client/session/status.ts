/**
 * What the status line says. Every state is a claim about the world, so each one is only entered
 * on evidence: "Saved" only after the server acknowledged that storage holds this client's changes.
 */

/** The state of one document session, as shown to the writer. */
export type SessionStatus =
  /** The first connection attempt is under way. */
  | { readonly kind: 'connecting' }
  /** Connected and synced. `saved`: the server has written every local change to storage. */
  | { readonly kind: 'live'; readonly saved: boolean; readonly unsavedChanges: number }
  /**
   * Not connected (retrying); `localChanges` changes exist only on this device so far. They are
   * Yjs updates (a keystroke is one), a count for code, not for people: the label says only
   * whether there are any.
   */
  | { readonly kind: 'offline'; readonly localChanges: number }
  /**
   * The server refused this client (close code in TERMINAL_CLOSE_CODES, or 4440 for a fixed token
   * that expired); no retry until a new token.
   */
  | { readonly kind: 'denied'; readonly code: number; readonly reason: string };

/** The kinds of {@link SessionStatus}. */
export type SessionStatusKind = SessionStatus['kind'];

/** True when some local change is not yet known to be on the server's disk. */
export function hasUnsavedChanges(status: SessionStatus): boolean {
  switch (status.kind) {
    case 'live':
      return !status.saved;
    case 'offline':
      return status.localChanges > 0;
    case 'connecting':
    case 'denied':
      return false;
    default:
      return status satisfies never;
  }
}

/** The status line in English, e.g. "Saved" or "Offline · unsaved changes". */
export function statusLabel(status: SessionStatus): string {
  switch (status.kind) {
    case 'connecting':
      return 'Connecting…';
    case 'live':
      return status.saved ? 'Saved' : 'Saving…';
    case 'offline':
      return status.localChanges === 0 ? 'Offline' : 'Offline · unsaved changes';
    case 'denied':
      return 'Access denied';
    default:
      return status satisfies never;
  }
}

/** True when `a` and `b` say the same thing (listeners are told only about real changes). */
export function sameStatus(a: SessionStatus, b: SessionStatus): boolean {
  switch (a.kind) {
    case 'connecting':
      return b.kind === 'connecting';
    case 'live':
      return b.kind === 'live' && a.saved === b.saved && a.unsavedChanges === b.unsavedChanges;
    case 'offline':
      return b.kind === 'offline' && a.localChanges === b.localChanges;
    case 'denied':
      return b.kind === 'denied' && a.code === b.code && a.reason === b.reason;
    default:
      return a satisfies never;
  }
}
