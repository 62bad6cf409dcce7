/** A {@link HistoryPanel} for a live session: its document, and naming and restoring only while the server lets it write. */
import { useSyncExternalStore } from 'react';
import type { DocumentSession } from '../session/session.js';
import { HistoryPanel, type HistoryPanelProps } from './HistoryPanel.js';

/** Props of {@link SessionHistoryPanel}. */
export interface SessionHistoryPanelProps extends Omit<HistoryPanelProps, 'doc' | 'documentName' | 'canWrite'> {
  session: DocumentSession;
}

/**
 * The history of the session's document. A read-only token lists and previews versions, but is
 * offered neither naming nor restoring (the server would refuse both).
 * @example
 * {history.open && <SessionHistoryPanel session={session} serverUrl={serverUrl} token={token} onClose={history.close} />}
 */
export function SessionHistoryPanel({ session, ...props }: SessionHistoryPanelProps) {
  const readOnly = useSyncExternalStore(session.onReadOnly, () => session.readOnly);
  return <HistoryPanel {...props} documentName={session.documentName} doc={session.doc} canWrite={!readOnly} />;
}
