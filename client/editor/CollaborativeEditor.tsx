/** The embeddable editor: a document session, a Tiptap editor on it, toolbar, presence and status. */
import { useEffect, useId, type ReactNode } from 'react';
import type { AnyExtension } from '@tiptap/core';
import { EditorContent, type Editor } from '@tiptap/react';
import { RICHTEXT_FIELD, type DocumentFormat } from '../../shared/document-format.js';
import type { PresenceUser } from '../../shared/presence.js';
import { HistoryButton, useHistoryToggle } from '../history/HistoryButton.js';
import { SessionHistoryPanel } from '../history/SessionHistoryPanel.js';
import type { TokenSource } from '../session/provider.js';
import type { DocumentSession } from '../session/session.js';
import type { SessionStatus } from '../session/status.js';
import { DocumentStatus } from './ConnectionStatus.js';
import { checkMessage, type DocumentCheck } from './document-guard.js';
import { useCollaborativeEditor, useDocumentGuard, useTandemDocument } from './hooks.js';
import { PresenceList } from './PresenceList.js';
import { ReadOnlyText } from './ReadOnlyText.js';
import { Toolbar } from './Toolbar.js';

/**
 * The toolbar: `true` (default) for Tandem's, `false` for none, any React node in its place, or
 * a function of the editor (e.g. Tandem's toolbar and buttons of your own).
 */
export type ToolbarOption = boolean | ReactNode | ((editor: Editor) => ReactNode);

/** A check that keeps the editor from binding: the document is in another format or holds types the editor lacks. */
export type BlockedCheck = Extract<DocumentCheck, { kind: 'mismatch' | 'unsupported' }>;

/** The props a Tandem editor surface shares with {@link CollaborativeEditor}. */
export interface EditorSurfaceProps {
  /**
   * `richtext` (default: the Y.XmlFragment `default`) or `plaintext` (lines of the Y.Text `text`).
   * A new document takes this format; an existing one in the other format shows a message instead.
   */
  format?: DocumentFormat | undefined;
  /**
   * Your Tiptap extensions (rich text): added to Tandem's default schema, or replacing the default
   * of the same name (e.g. your own `StarterKit.configure(...)`). Collaboration, carets and
   * presence are Tandem's. A document using a type these lack opens read-only, never bound.
   */
  extensions?: readonly AnyExtension[] | undefined;
  /** Your schema's version, recorded in a document this editor creates. */
  schemaVersion?: string | undefined;
  /** Whether the writer may edit (default true). */
  editable?: boolean | undefined;
  /** Shown in an empty document. */
  placeholder?: string | undefined;
  /** The toolbar, see {@link ToolbarOption} (default Tandem's). */
  toolbar?: ToolbarOption | undefined;
  /** Called when the check of the document changes: `pending`, `ok`, `mismatch`, `unsupported`. */
  onDocumentCheck?: ((check: DocumentCheck) => void) | undefined;
  /** What to show above the read-only text instead of Tandem's message when the editor may not bind. */
  renderBlocked?: ((check: BlockedCheck) => ReactNode) | undefined;
  /** Called once the editor exists, e.g. to keep a handle on it. */
  onReady?: ((editor: Editor, session: DocumentSession) => void) | undefined;
  className?: string | undefined;
}

/** Props of {@link CollaborativeEditor}. */
export interface CollaborativeEditorProps extends EditorSurfaceProps {
  /** The Tandem server's WebSocket URL, e.g. `wss://docs.example.com`. */
  serverUrl: string;
  /** The document to open. */
  documentName: string;
  /** Who is writing: a display name and a `#rrggbb` colour for carets and avatars. */
  user: PresenceUser;
  /** Auth token, or a function that fetches one before every connection attempt. */
  token?: TokenSource | undefined;
  /** Keep an IndexedDB copy so offline edits survive a reload (default true). */
  offline?: boolean | undefined;
  /** Most caret and pointer updates per second (default 20, at most 30). */
  cursorRate?: number | undefined;
  /** Show the presence avatars and the status badge above the text (default true). */
  header?: boolean | undefined;
  /** Called on every status change. */
  onStatusChange?: ((status: SessionStatus) => void) | undefined;
  /**
   * Offer the version history (default false): a "History" button opens a panel listing the
   * document's versions, previewing one with the changes since, naming and restoring versions,
   * over the server's HTTP API with the same token.
   */
  history?: boolean | undefined;
}

/**
 * A collaborative rich-text editor for one document on a Tandem server.
 * @example
 * <CollaborativeEditor
 *   serverUrl="wss://docs.example.com"
 *   documentName="team/plan"
 *   user={{ name: 'Ada', color: '#3366ff' }}
 *   token={() => fetch('/api/tandem-token').then((r) => r.text())}
 *   extensions={[Highlight]}
 *   toolbar={(editor) => <Toolbar editor={editor} />}
 * />
 */
export function CollaborativeEditor(props: CollaborativeEditorProps) {
  const { serverUrl, documentName, user, token, offline, cursorRate, onStatusChange, header, history, ...surface } = props;
  const document = useTandemDocument({ serverUrl, documentName, user, token, offline, cursorRate });
  const { session, status, peers } = document;
  const historyToggle = useHistoryToggle();
  const historyId = useId();
  useEffect(() => onStatusChange?.(status), [status, onStatusChange]);
  if (session === null) {
    return (
      <div className={editorClass(props.className)} data-document={documentName} aria-busy="true">
        <div className="tandem-editor__surface" />
      </div>
    );
  }
  const editor = (
    <DocumentEditor
      {...surface}
      session={session}
      barExtras={
        header === false && history !== true ? undefined : (
          <>
            {history === true && <HistoryButton history={historyToggle} panelId={historyId} />}
            {header !== false && (
              <>
                <PresenceList peers={peers} compact />
                <DocumentStatus session={session} status={status} />
              </>
            )}
          </>
        )
      }
    />
  );
  if (history !== true) return editor;
  // The same tree whether the panel is open or not, so opening it never remounts the editor.
  return (
    <div className="tandem-editor-with-history">
      {editor}
      {historyToggle.open && <SessionHistoryPanel id={historyId} session={session} serverUrl={serverUrl} token={token} onClose={historyToggle.close} />}
    </div>
  );
}

const editorClass = (className: string | undefined): string => ['tandem-editor', className].filter(Boolean).join(' ');

/** Props of {@link DocumentEditor}. */
export interface DocumentEditorProps extends EditorSurfaceProps {
  session: DocumentSession;
  /** Shown at the end of the toolbar row, e.g. presence and status. */
  barExtras?: ReactNode;
}

/** The toolbar that `option` asks for, once there is an editor. */
function toolbarFor(option: ToolbarOption, editor: Editor | null, format: DocumentFormat): ReactNode {
  if (option === false || option === null || option === undefined) return null;
  if (option === true) return editor === null ? null : <Toolbar editor={editor} format={format} />;
  if (typeof option === 'function') return editor === null ? null : option(editor);
  return option;
}

/**
 * The editor surface (toolbar and text) for a session you manage with {@link useTandemDocument}.
 * @example
 * const { session } = useTandemDocument({ serverUrl, documentName, user });
 * return session && <DocumentEditor session={session} extensions={[Highlight]} />;
 */
export function DocumentEditor(props: DocumentEditorProps) {
  const {
    session,
    format = 'richtext',
    extensions,
    schemaVersion,
    editable,
    placeholder,
    toolbar = true,
    barExtras,
    onReady,
    onDocumentCheck,
    renderBlocked,
    className,
  } = props;
  const guard = useDocumentGuard(session, { format, extensions, schemaVersion });
  const editor = useCollaborativeEditor(session, { editable, placeholder, format, extensions, schemaVersion, guard });
  const { check } = guard;
  useEffect(() => {
    if (editor !== null) onReady?.(editor, session);
  }, [editor, session, onReady]);
  useEffect(() => onDocumentCheck?.(check), [check, onDocumentCheck]);
  const bar = toolbarFor(toolbar, editor, format);
  return (
    <div className={editorClass(className)} data-document={session.documentName} data-format={format} data-check={check.kind}>
      {(bar !== null || barExtras !== undefined) && (
        <div className="tandem-editor__bar">
          {bar}
          {barExtras !== undefined && <div className="tandem-editor__meta">{barExtras}</div>}
        </div>
      )}
      <div className="tandem-editor__surface">
        {check.kind === 'mismatch' || check.kind === 'unsupported' ? (
          <>
            {renderBlocked?.(check) ?? <BlockedMessage check={check} />}
            {check.kind === 'unsupported' && <ReadOnlyText fragment={session.doc.getXmlFragment(RICHTEXT_FIELD)} />}
          </>
        ) : (
          <EditorContent editor={editor} className="tandem-editor__content" />
        )}
      </div>
    </div>
  );
}

/** Tandem's message for a document the editor may not bind. */
function BlockedMessage({ check }: { check: BlockedCheck }) {
  return (
    <p
      className={check.kind === 'mismatch' ? 'tandem-editor__format-mismatch' : 'tandem-editor__unsupported'}
      role="alert"
      data-actual-format={check.kind === 'mismatch' ? check.actual : check.format}
      data-missing={check.kind === 'unsupported' ? check.missing.join(' ') : undefined}
    >
      {checkMessage(check)}
    </p>
  );
}
