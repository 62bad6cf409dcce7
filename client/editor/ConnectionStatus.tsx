/** The status line: connecting, saving, saved, offline with N local changes, access denied. */
import { statusLabel, type SessionStatus } from '../session/status.js';

/** Props of {@link ConnectionStatus}. */
export interface ConnectionStatusProps {
  status: SessionStatus;
  /** Shows a "Retry" button while offline or denied. */
  onRetry?: (() => void) | undefined;
  className?: string | undefined;
}

/** `live-saved`, `live-saving`, `offline`, ...: one stable word per state, for styling and tests. */
export function statusState(status: SessionStatus): string {
  return status.kind === 'live' ? (status.saved ? 'live-saved' : 'live-saving') : status.kind;
}

/**
 * A badge with a coloured dot and the status in words.
 * @example
 * <ConnectionStatus status={status} onRetry={() => session.reconnect()} />
 */
export function ConnectionStatus({ status, onRetry, className }: ConnectionStatusProps) {
  const retry = onRetry !== undefined && (status.kind === 'offline' || status.kind === 'denied');
  return (
    <span className={['tandem-status', className].filter(Boolean).join(' ')} data-state={statusState(status)} role="status" aria-live="polite">
      <span className="tandem-status__dot" aria-hidden="true" />
      <span className="tandem-status__label">{statusLabel(status)}</span>
      {retry && (
        <button type="button" className="tandem-status__retry" onClick={onRetry}>
          Retry
        </button>
      )}
    </span>
  );
}
