/**
 * React hooks over the framework-free session: `useTandemDocument` opens a document and exposes
 * its state; `useCollaborativeEditor` binds a Tiptap editor to it.
 */
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useEditor, type Editor } from '@tiptap/react';
import type { EditorState } from '@tiptap/pm/state';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import type { WebsocketProvider } from 'y-websocket';
import type { PresenceUser } from '../../shared/presence.js';
import { startPresence, type PresenceHandle } from '../presence/local-presence.js';
import type { Peer } from '../presence/peers.js';
import type { TokenSource } from '../session/provider.js';
import { createDocumentSession, type DocumentSession, type DocumentSessionOptions } from '../session/session.js';
import type { SessionStatus } from '../session/status.js';
import type { DocumentFormat } from '../../shared/document-format.js';
import { tandemExtensions } from './extensions.js';
import { watchFormat, type FormatCheck, type FormatWatch } from './format-guard.js';
import { plaintextExtensions } from './plaintext-extension.js';
import { plaintextSyncKey } from './plaintext-binding.js';
import { PlainDocument, PlainLine, PlainText } from './plaintext-schema.js';

/** Options of {@link useTandemDocument}. */
export interface UseTandemDocumentOptions extends Omit<DocumentSessionOptions, 'token'> {
  /** Auth token or a function fetching one; changing it applies from the next connection. */
  token?: TokenSource | undefined;
  /** Who this client is in the document; no presence is published while undefined. */
  user?: PresenceUser | undefined;
}

/** A document as React sees it; everything is null until the session exists (after mount). */
export interface TandemDocument {
  session: DocumentSession | null;
  doc: Y.Doc | null;
  provider: WebsocketProvider | null;
  awareness: Awareness | null;
  status: SessionStatus;
  /** Synced with the server on the current connection. */
  synced: boolean;
  /** Every local change is on the server's disk. */
  saved: boolean;
  peers: readonly Peer[];
}

const CONNECTING: SessionStatus = { kind: 'connecting' };
const NO_PEERS: readonly Peer[] = [];
const noSubscription = (): (() => void) => () => undefined;

/** Reads a token source without ever throwing synchronously. */
async function readToken(source: TokenSource | undefined): Promise<string | undefined> {
  return typeof source === 'function' ? source() : source;
}

/**
 * Opens `documentName` on `serverUrl` for as long as the component is mounted (a new session
 * when the server, the name or a connection option changes).
 * @example
 * const { doc, status, peers } = useTandemDocument({ serverUrl, documentName: 'notes', user });
 */
export function useTandemDocument(options: UseTandemDocumentOptions): TandemDocument {
  const { serverUrl, documentName, offline, cursorRate, crossTab, warnOnUnload, WebSocketImpl, backoff, liveness, renewToken, token, user } = options;
  const [session, setSession] = useState<DocumentSession | null>(null);
  const tokenRef = useRef(token);
  const presenceRef = useRef<PresenceHandle | null>(null);

  useEffect(() => {
    const created = createDocumentSession({
      serverUrl,
      documentName,
      offline,
      cursorRate,
      crossTab,
      warnOnUnload,
      WebSocketImpl,
      backoff,
      liveness,
      renewToken,
      token: () => readToken(tokenRef.current),
    });
    setSession(created);
    return () => {
      presenceRef.current?.stop();
      presenceRef.current = null;
      created.destroy();
      setSession(null);
    };
    // `backoff` and the token are read per connection, not per session: an inline object literal
    // or a new token function must not reopen the document. `liveness` and `renewToken` are read when it opens.
  }, [serverUrl, documentName, offline, cursorRate, crossTab, warnOnUnload, WebSocketImpl]);

  useEffect(() => {
    const changed = tokenRef.current !== token;
    tokenRef.current = token;
    if (changed) session?.setToken(() => readToken(tokenRef.current));
  }, [session, token]);

  const userName = user?.name;
  const userColor = user?.color;
  useEffect(() => {
    if (session === null || userName === undefined || userColor === undefined) return;
    const next = { name: userName, color: userColor };
    if (presenceRef.current === null) presenceRef.current = startPresence(session.awareness, next);
    else presenceRef.current.setUser(next);
  }, [session, userName, userColor]);

  const status = useSyncExternalStore(
    session === null ? noSubscription : session.onStatus,
    () => session?.status ?? CONNECTING,
  );
  const peers = useSyncExternalStore(
    session === null ? noSubscription : session.onPeers,
    () => session?.peers() ?? NO_PEERS,
  );
  return {
    session,
    doc: session?.doc ?? null,
    provider: session?.provider ?? null,
    awareness: session?.awareness ?? null,
    status,
    synced: status.kind === 'live',
    saved: status.kind === 'live' && status.saved,
    peers,
  };
}

/** Options of {@link useCollaborativeEditor}. */
export interface UseCollaborativeEditorOptions {
  /** Whether the writer may edit (default true); a session that may only read is never editable. */
  editable?: boolean | undefined;
  /** Shown in an empty document. */
  placeholder?: string | undefined;
  /** Publish the mouse pointer (default true). */
  pointer?: boolean | undefined;
  /** `richtext` (default) or `plaintext`; an editor binds only a document of its own format. */
  format?: DocumentFormat | undefined;
}

const PENDING: FormatCheck = { kind: 'pending' };

/**
 * Whether `session`'s document is in `format` (see format-guard.ts), kept current; `pending`
 * until the document's format is known.
 * @example
 * const check = useDocumentFormat(session, 'plaintext');
 * if (check.kind === 'mismatch') return <p>{mismatchMessage(check)}</p>;
 */
export function useDocumentFormat(session: DocumentSession | null, format: DocumentFormat): FormatCheck {
  const [watch, setWatch] = useState<FormatWatch | null>(null);
  useEffect(() => {
    if (session === null) return;
    const created = watchFormat(session, format);
    setWatch(created);
    return () => {
      created.stop();
      setWatch(null);
    };
  }, [session, format]);
  return useSyncExternalStore(watch === null ? noSubscription : watch.subscribe, () => watch?.current() ?? PENDING);
}

/**
 * A Tiptap editor bound to `session` (a new editor per session and format), or null before the
 * first render and while the document is not known to be in `format`.
 * @example
 * const editor = useCollaborativeEditor(session, { placeholder: 'Write here', format: 'plaintext' });
 * return editor && <EditorContent editor={editor} />;
 */
export function useCollaborativeEditor(session: DocumentSession, options: UseCollaborativeEditorOptions = {}): Editor | null {
  const { placeholder, pointer, format = 'richtext' } = options;
  // A read-only grant makes the editor read-only: the server would drop the edits.
  const readOnly = useSyncExternalStore(session.onReadOnly, () => session.readOnly);
  const editable = (options.editable ?? true) && !readOnly;
  const bound = useDocumentFormat(session, format).kind === 'ok';
  const extensionOptions = { doc: session.doc, awareness: session.awareness, placeholder, pointer };
  const editor = useEditor(
    {
      // Until the format is confirmed the editor holds nothing and binds nothing.
      extensions: !bound
        ? [PlainDocument, PlainLine, PlainText]
        : format === 'plaintext'
          ? plaintextExtensions(extensionOptions)
          : tandemExtensions(extensionOptions),
      editable: bound && editable,
      immediatelyRender: false,
    },
    [session, format, bound],
  );
  useEffect(() => {
    if (editor !== null && bound && editor.isEditable !== editable) editor.setEditable(editable);
  }, [editor, editable, bound]);
  // Right after the format is confirmed, the inert editor is still around for one render.
  return bound && editor !== null && isBound(editor.state) ? editor : null;
}

/** True when the editor state carries a Yjs binding (rich or plain). */
const isBound = (state: EditorState): boolean => plaintextSyncKey.getState(state) !== undefined || ySyncPluginKey.getState(state) !== undefined;
