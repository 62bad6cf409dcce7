/**
 * React hooks over the framework-free session: `useTandemDocument` opens a document and exposes
 * its state; `useCollaborativeEditor` binds a Tiptap editor to it.
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useEditor, type Editor } from '@tiptap/react';
import type { AnyExtension } from '@tiptap/core';
import type { Schema } from '@tiptap/pm/model';
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
import { editorSchema, tandemExtensions } from './extensions.js';
import { watchDocument, type DocumentCheck, type DocumentWatch } from './document-guard.js';
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

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new session only for what identifies one (see the note at the end)
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

  const status = useSyncExternalStore(session === null ? noSubscription : session.onStatus, () => session?.status ?? CONNECTING);
  const peers = useSyncExternalStore(session === null ? noSubscription : session.onPeers, () => session?.peers() ?? NO_PEERS);
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

/** What the app chooses about an editor's document: its format and, for rich text, its schema. */
export interface EditorSchemaOptions {
  /** `richtext` (default) or `plaintext`; an editor binds only a document of its own format. */
  format?: DocumentFormat | undefined;
  /**
   * The app's Tiptap extensions for rich text: added to the default schema, or replacing a
   * default of the same name (see contentExtensions). A new list of other names makes a new
   * editor; the same names keep the editor.
   */
  extensions?: readonly AnyExtension[] | undefined;
  /** The app's schema version, recorded in a document this editor creates. */
  schemaVersion?: string | undefined;
}

/** A running document check, see {@link useDocumentGuard}. */
export interface DocumentGuard {
  /** The latest check: `pending`, `ok`, `mismatch` or `unsupported`. */
  check: DocumentCheck;
  /** The watch behind it; null before the session exists. */
  watch: DocumentWatch | null;
  /** The content extensions the check was made for (rich text). */
  extensions: readonly AnyExtension[];
}

const PENDING: DocumentCheck = { kind: 'pending' };
const NO_EXTENSIONS: readonly AnyExtension[] = [];

/** `extensions`, kept the same array while the names in it stay the same. */
function useStableExtensions(extensions: readonly AnyExtension[] | undefined): readonly AnyExtension[] {
  const key = (extensions ?? NO_EXTENSIONS).map((extension) => extension.name).join('\n');
  // The names are the identity: an inline `extensions={[Highlight]}` must not make a new editor
  // on every render.
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the extensions' names, as said above
  return useMemo(() => extensions ?? NO_EXTENSIONS, [key]);
}

/**
 * Whether `session`'s document may be bound by an editor of `format` with `extensions` (see
 * document-guard.ts), kept current; `pending` until the document's format is known.
 * @example
 * const { check } = useDocumentGuard(session, { extensions: [Highlight] });
 * if (check.kind === 'unsupported') return <p>{checkMessage(check)}</p>;
 */
export function useDocumentGuard(session: DocumentSession | null, options: EditorSchemaOptions = {}): DocumentGuard {
  const { format = 'richtext', schemaVersion } = options;
  const extensions = useStableExtensions(options.extensions);
  const schema = useMemo(() => (format === 'richtext' ? editorSchema(extensions) : null), [format, extensions]);
  return { ...useWatch(session, format, schema, schemaVersion), extensions };
}

/**
 * A watch of `target` for as long as the component is mounted and the expectation holds: a
 * session, which claims and records, or a bare Y.Doc, which is only read.
 */
function useWatch(
  target: DocumentSession | Y.Doc | null,
  format: DocumentFormat,
  schema: Schema | null,
  schemaVersion?: string,
): Omit<DocumentGuard, 'extensions'> {
  const [watch, setWatch] = useState<DocumentWatch | null>(null);
  useEffect(() => {
    if (target === null) return;
    const created = watchDocument(target, { format, schema, schemaVersion });
    setWatch(created);
    return () => {
      created.stop();
      setWatch(null);
    };
  }, [target, format, schema, schemaVersion]);
  const check = useSyncExternalStore(watch === null ? noSubscription : watch.subscribe, () => watch?.current() ?? PENDING);
  return { check, watch };
}

/**
 * Whether `session`'s document is in `format`, kept current: `mismatch` when it is in the other
 * format, else `ok` (`pending` before the session exists). It only reads: the editor claims a
 * new document, with its schema record.
 * @example
 * const check = useDocumentFormat(session, 'plaintext');
 * if (check.kind === 'mismatch') return <p>{checkMessage(check)}</p>;
 */
export function useDocumentFormat(session: DocumentSession | null, format: DocumentFormat): DocumentCheck {
  return useWatch(session?.doc ?? null, format, null).check;
}

/** Options of {@link useCollaborativeEditor}. */
export interface UseCollaborativeEditorOptions extends EditorSchemaOptions {
  /** Whether the writer may edit (default true); a session that may only read is never editable. */
  editable?: boolean | undefined;
  /** Shown in an empty document. */
  placeholder?: string | undefined;
  /** Publish the mouse pointer (default true). */
  pointer?: boolean | undefined;
  /**
   * A guard from {@link useDocumentGuard} for the same format and extensions, when the caller
   * also shows its outcome; without one the hook keeps its own.
   */
  guard?: DocumentGuard | undefined;
}

/**
 * A Tiptap editor bound to `session` (a new editor per session, format and set of extension
 * names), or null before the first render and while the document is not known to be in
 * `format` with nothing the editor's schema lacks.
 * @example
 * const editor = useCollaborativeEditor(session, { extensions: [Highlight], placeholder: 'Write here' });
 * return editor && <EditorContent editor={editor} />;
 */
export function useCollaborativeEditor(session: DocumentSession, options: UseCollaborativeEditorOptions = {}): Editor | null {
  const { placeholder, pointer, format = 'richtext' } = options;
  const own = useDocumentGuard(options.guard === undefined ? session : null, options);
  const { check, watch, extensions } = options.guard ?? own;
  // A read-only grant makes the editor read-only: the server would drop the edits.
  const readOnly = useSyncExternalStore(session.onReadOnly, () => session.readOnly);
  const editable = (options.editable ?? true) && !readOnly;
  const bound = check.kind === 'ok' && watch !== null;
  const editor = useEditor(
    {
      // Until the document is known to fit, the editor holds nothing and binds nothing; the
      // guarded binding checks again at the moment it binds.
      extensions:
        !bound || watch === null
          ? [PlainDocument, PlainLine, PlainText]
          : format === 'plaintext'
            ? plaintextExtensions({ doc: session.doc, awareness: session.awareness, placeholder, pointer })
            : tandemExtensions({ doc: session.doc, awareness: session.awareness, placeholder, pointer, extensions, guard: watch }),
      editable: bound && editable,
      immediatelyRender: false,
    },
    [session, format, bound, watch, extensions],
  );
  useEffect(() => {
    if (editor !== null && bound && editor.isEditable !== editable) editor.setEditable(editable);
  }, [editor, editable, bound]);
  // Right after the check turns `ok`, the inert editor is still around for one render.
  return bound && editor !== null && isBound(editor.state) ? editor : null;
}

/** True when the editor state carries a Yjs binding (rich or plain). */
const isBound = (state: EditorState): boolean => plaintextSyncKey.getState(state) !== undefined || ySyncPluginKey.getState(state) !== undefined;
