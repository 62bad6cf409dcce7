/**
 * The Tandem editor client (`@tandem-sync/react`): the React component and hooks, and the
 * framework-free functions beneath them. Importing it has no side effects. Styles ship
 * separately: `import '@tandem-sync/react/styles.css'`.
 *
 * @example
 * import { CollaborativeEditor } from '@tandem-sync/react';
 * import '@tandem-sync/react/styles.css';
 *
 * <CollaborativeEditor serverUrl="wss://docs.example.com" documentName="notes" user={{ name: 'Ada', color: '#3366ff' }} />
 */
export {
  CollaborativeEditor,
  DocumentEditor,
  type BlockedCheck,
  type CollaborativeEditorProps,
  type DocumentEditorProps,
  type EditorSurfaceProps,
  type ToolbarOption,
} from './editor/CollaborativeEditor.js';
export {
  checkDocument,
  checkMessage,
  guardSyncPlugin,
  watchDocument,
  type DocumentCheck,
  type DocumentExpectation,
  type DocumentWatch,
  type GuardedSession,
} from './editor/document-guard.js';
export { ReadOnlyText, textBlocks, type ReadOnlyTextProps } from './editor/ReadOnlyText.js';
export { ConnectionStatus, DocumentStatus, statusState, type ConnectionStatusProps } from './editor/ConnectionStatus.js';
export { PresenceList, initials, type PresenceListProps } from './editor/PresenceList.js';
export { Toolbar, type ToolbarProps } from './editor/Toolbar.js';
export {
  useCollaborativeEditor,
  useDocumentFormat,
  useDocumentGuard,
  useTandemDocument,
  type DocumentGuard,
  type EditorSchemaOptions,
  type TandemDocument,
  type UseCollaborativeEditorOptions,
  type UseTandemDocumentOptions,
} from './editor/hooks.js';
export {
  contentExtensions,
  DEFAULT_PLACEHOLDER,
  DOCUMENT_FIELD,
  editorSchema,
  GuardedCollaboration,
  TandemPresence,
  tandemExtensions,
  type GuardedCollaborationOptions,
  type GuardedCollaborationStorage,
  type TandemExtensionsOptions,
  type TandemPresenceOptions,
} from './editor/extensions.js';
export {
  createDocumentSession,
  DEFAULT_CURSOR_RATE,
  type DocumentSession,
  type DocumentSessionOptions,
} from './session/session.js';
export { TandemConnection, type ConnectionOptions, type TokenSource, type WebSocketConstructor } from './session/provider.js';
export { hasUnsavedChanges, statusLabel, type SessionStatus, type SessionStatusKind } from './session/status.js';
export { offlineDatabaseName } from './session/offline.js';
export type { BackoffOptions } from './session/backoff.js';
export type { LivenessOptions } from './session/liveness.js';
export { startPresence, setPresenceUser, trackPointer, type PresenceHandle } from './presence/local-presence.js';
export { readPeers, type Peer } from './presence/peers.js';
export { presencePlugin, presencePluginKey, type PresencePluginOptions } from './presence/presence-plugin.js';
export { RemoteCursors, type RemoteCursorsOptions } from './presence/remote-cursors.js';
export { createInterpolator, type FrameScheduler, type Interpolator, type InterpolatorOptions, type Point } from './presence/interpolator.js';
export { throttleAwareness, type AwarenessThrottle, type AwarenessThrottleOptions } from './presence/awareness-throttle.js';
export {
  createVersion,
  fetchVersionState,
  listVersions,
  restoreVersion,
  versionsUrl,
  VersionsApiError,
  type Version,
  type VersionKind,
  type VersionsTarget,
} from './history/versions-client.js';
export { HistoryPanel, versionTitle, type HistoryPanelProps } from './history/HistoryPanel.js';
export { SessionHistoryPanel, type SessionHistoryPanelProps } from './history/SessionHistoryPanel.js';
export { HistoryButton, useHistoryToggle, type HistoryButtonProps, type HistoryToggle } from './history/HistoryButton.js';
export { VersionPreview, type VersionPreviewProps } from './history/VersionPreview.js';
export {
  diffBlocks,
  documentBlocks,
  hasChanges,
  MAX_DIFF_EDIT_LENGTH,
  stateBlocks,
  type DiffBlock,
  type DiffPart,
  type TextChange,
} from './history/version-diff.js';
export { relativeTime } from './history/relative-time.js';
export type { PresenceCursor, PresencePointer, PresenceState, PresenceUser } from '../shared/presence.js';
export { CloseCode } from '../shared/close-codes.js';
