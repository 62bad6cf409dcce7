/** The status line: connecting, saving, saved, offline (with unsaved changes), access denied, read-only. */
import { useSyncExternalStore } from 'react';
import type { DocumentSession } from '../session/session.js';
import { statusLabel, type SessionStatus } from '../session/status.js';

/** Props of {@link ConnectionStatus}. */
export interface ConnectionStatusProps {
  status: SessionStatus;
  /** The server lets this client only read: shown instead of "Saved" while live. Default false. */
  readOnly?: boolean | undefined;
  /** Shows a "Retry" button while offline or denied. */
  onRetry?: (() => void) | undefined;
  className?: string | undefined;
}

/** `live-saved`, `live-saving`, `offline`, `read-only`, ...: one stable word per state, for styling and tests. */
export function statusState(status: SessionStatus, readOnly = false): string {
  if (status.kind !== 'live') return status.kind;
  if (readOnly) return 'read-only';
  return status.saved ? 'live-saved' : 'live-saving';
}

/**
 * A badge with a coloured dot and the status in words.
 * @example
 * <ConnectionStatus status={status} onRetry={() => session.reconnect()} />
 */
export function ConnectionStatus({ status, readOnly = false, onRetry, className }: ConnectionStatusProps) {
  const retry = onRetry !== undefined && (status.kind === 'offline' || status.kind === 'denied');
  const state = statusState(status, readOnly);
  return (
    <span className={['tandem-status', className].filter(Boolean).join(' ')} data-state={state} role="status" aria-live="polite">
      <span className="tandem-status__dot" aria-hidden="true" />
      <span className="tandem-status__label">{state === 'read-only' ? 'Read-only' : statusLabel(status)}</span>
      {retry && (
        <button type="button" className="tandem-status__retry" onClick={onRetry}>
          Retry
        </button>
      )}
    </span>
  );
}

/**
 * {@link ConnectionStatus} for a session: its status, whether it may only read, and Retry.
 * @example
 * <DocumentStatus session={session} status={status} />
 */
export function DocumentStatus({ session, status, className }: { session: DocumentSession; status: SessionStatus; className?: string | undefined }) {
  const readOnly = useSyncExternalStore(session.onReadOnly, () => session.readOnly);
  return <ConnectionStatus status={status} readOnly={readOnly} onRetry={session.reconnect} className={className} />;
}
