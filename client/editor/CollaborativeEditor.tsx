/** The embeddable editor: a document session, a Tiptap editor on it, toolbar, presence and status. */
import { useEffect, type ReactNode } from 'react';
import { EditorContent, type Editor } from '@tiptap/react';
import type { DocumentFormat } from '../../shared/document-format.js';
import type { PresenceUser } from '../../shared/presence.js';
import type { TokenSource } from '../session/provider.js';
import type { DocumentSession } from '../session/session.js';
import type { SessionStatus } from '../session/status.js';
import { DocumentStatus } from './ConnectionStatus.js';
import { mismatchMessage } from './format-guard.js';
import { useCollaborativeEditor, useDocumentFormat, useTandemDocument } from './hooks.js';
import { PresenceList } from './PresenceList.js';
import { Toolbar } from './Toolbar.js';

/** Props of {@link CollaborativeEditor}. */
export interface CollaborativeEditorProps {
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
  /**
   * `richtext` (default: the Y.XmlFragment `default`) or `plaintext` (lines of the Y.Text `text`).
   * A new document takes this format; an existing one in the other format shows a message instead.
   */
  format?: DocumentFormat | undefined;
  /** Whether the writer may edit (default true). */
  editable?: boolean | undefined;
  /** Shown in an empty document. */
  placeholder?: string | undefined;
  /** Show the formatting toolbar (default true). */
  toolbar?: boolean | undefined;
  /** Show the presence avatars and the status badge above the text (default true). */
  header?: boolean | undefined;
  className?: string | undefined;
  /** Called on every status change. */
  onStatusChange?: ((status: SessionStatus) => void) | undefined;
  /** Called once the editor exists, e.g. to keep a handle on it. */
  onReady?: ((editor: Editor, session: DocumentSession) => void) | undefined;
}

/**
 * A collaborative rich-text editor for one document on a Tandem server.
 * @example
 * <CollaborativeEditor
 *   serverUrl="wss://docs.example.com"
 *   documentName="team/plan"
 *   user={{ name: 'Ada', color: '#3366ff' }}
 *   token={() => fetch('/api/tandem-token').then((r) => r.text())}
 * />
 */
export function CollaborativeEditor(props: CollaborativeEditorProps) {
  const { serverUrl, documentName, user, token, offline, cursorRate, onStatusChange, className } = props;
  const document = useTandemDocument({ serverUrl, documentName, user, token, offline, cursorRate });
  const { session, status, peers } = document;
  useEffect(() => onStatusChange?.(status), [status, onStatusChange]);
  if (session === null) {
    return (
      <div className={editorClass(className)} data-document={documentName} aria-busy="true">
        <div className="tandem-editor__surface" />
      </div>
    );
  }
  return (
    <DocumentEditor
      session={session}
      className={className}
      format={props.format}
      editable={props.editable}
      placeholder={props.placeholder}
      toolbar={props.toolbar}
      onReady={props.onReady}
      barExtras={
        props.header === false ? undefined : (
          <>
            <PresenceList peers={peers} compact />
            <DocumentStatus session={session} status={status} />
          </>
        )
      }
    />
  );
}

const editorClass = (className: string | undefined): string => ['tandem-editor', className].filter(Boolean).join(' ');

/** Props of {@link DocumentEditor}. */
export interface DocumentEditorProps {
  session: DocumentSession;
  /** `richtext` (default) or `plaintext`, see {@link CollaborativeEditorProps.format}. */
  format?: DocumentFormat | undefined;
  /** Whether the writer may edit (default true). */
  editable?: boolean | undefined;
  /** Shown in an empty document. */
  placeholder?: string | undefined;
  /** Show the formatting toolbar (default true). */
  toolbar?: boolean | undefined;
  /** Shown at the end of the toolbar row, e.g. presence and status. */
  barExtras?: ReactNode;
  /** Called once the editor exists. */
  onReady?: ((editor: Editor, session: DocumentSession) => void) | undefined;
  className?: string | undefined;
}

/**
 * The editor surface (toolbar and text) for a session you manage with {@link useTandemDocument}.
 * @example
 * const { session } = useTandemDocument({ serverUrl, documentName, user });
 * return session && <DocumentEditor session={session} />;
 */
export function DocumentEditor({ session, format = 'richtext', editable, placeholder, toolbar = true, barExtras, onReady, className }: DocumentEditorProps) {
  const check = useDocumentFormat(session, format);
  const editor = useCollaborativeEditor(session, { editable, placeholder, format });
  useEffect(() => {
    if (editor !== null) onReady?.(editor, session);
  }, [editor, session, onReady]);
  return (
    <div className={editorClass(className)} data-document={session.documentName} data-format={format}>
      {(toolbar || barExtras !== undefined) && (
        <div className="tandem-editor__bar">
          {toolbar && editor !== null && <Toolbar editor={editor} format={format} />}
          {barExtras !== undefined && <div className="tandem-editor__meta">{barExtras}</div>}
        </div>
      )}
      <div className="tandem-editor__surface">
        {check.kind === 'mismatch' ? (
          <p className="tandem-editor__format-mismatch" role="alert" data-actual-format={check.actual}>
            {mismatchMessage(check)}
          </p>
        ) : (
          <EditorContent editor={editor} className="tandem-editor__content" />
        )}
      </div>
    </div>
  );
}
