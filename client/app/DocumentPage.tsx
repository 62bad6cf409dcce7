/** One document: the app bar (name, share link, people, status, identity) and the editor. */
import { useEffect, useId, useRef, useState } from 'react';
import type { PresenceUser } from '../../shared/presence.js';
import { DocumentEditor } from '../editor/CollaborativeEditor.js';
import { DocumentStatus } from '../editor/ConnectionStatus.js';
import { useDocumentFormat, useTandemDocument } from '../editor/hooks.js';
import { initials, PresenceList } from '../editor/PresenceList.js';
import { HistoryButton, useHistoryToggle } from '../history/HistoryButton.js';
import { SessionHistoryPanel } from '../history/SessionHistoryPanel.js';
import { IdentityPicker } from './IdentityPicker.js';
import { rememberDocument } from './identity.js';
import { isEmptyDocument, useLocalCopy } from './local-copy.js';
import { documentPath, formatOf, serverUrlOf } from './routes.js';

/** Most other people's avatars in the app bar; the rest become "+N", so the bar fits 360 px. */
const MAX_AVATARS = 4;

/** Props of {@link DocumentPage}. */
export interface DocumentPageProps {
  name: string;
  user: PresenceUser;
  onUserChange(user: PresenceUser): void;
  navigate(path: string): void;
}

/** Copies the document's link and says so for a moment. */
function ShareButton({ name }: { name: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1800);
    return () => clearTimeout(timer);
  }, [copied]);
  const share = (): void => {
    const url = new URL(documentPath(name), window.location.href).href;
    void navigator.clipboard?.writeText(url).then(() => setCopied(true));
  };
  return (
    <button type="button" className="button button--primary" onClick={share}>
      {copied ? 'Link copied' : 'Share'}
    </button>
  );
}

/**
 * The writer's avatar; opens the name and colour chooser. `shown` is who the writer is in the
 * document (the token's identity when there is one), `user` what they chose.
 */
function IdentityMenu({ user, shown, onUserChange }: { user: PresenceUser; shown: PresenceUser; onUserChange(user: PresenceUser): void }) {
  const [open, setOpen] = useState(false);
  const menu = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (event: PointerEvent): void => {
      if (!menu.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', close);
    return () => document.removeEventListener('pointerdown', close);
  }, [open]);
  return (
    <div className="identity-menu" ref={menu}>
      <button
        type="button"
        className="identity-menu__button"
        aria-expanded={open}
        aria-label="Change your name and colour"
        title={`${shown.name} (you)`}
        onClick={() => setOpen(!open)}
      >
        <span className="tandem-presence__avatar" style={{ backgroundColor: shown.color }} data-self="true">
          {initials(shown.name)}
        </span>
      </button>
      {open && (
        <div className="identity-menu__popover" role="dialog" aria-label="Your name and colour">
          <IdentityPicker user={user} onChange={onUserChange} />
        </div>
      )}
    </div>
  );
}

/** The page at `/d/<name>`. */
export function DocumentPage({ name, user, onUserChange, navigate }: DocumentPageProps) {
  const serverUrl = serverUrlOf(window.location);
  const { session, status, peers } = useTandemDocument({ serverUrl, documentName: name, user });
  const history = useHistoryToggle();
  const historyId = useId();
  const localCopy = useLocalCopy(session);
  // A document is shown once this device holds it: from IndexedDB, or from the server. Before that
  // nothing may bind it or claim its format, since an empty one may only be not loaded yet.
  const known = session !== null && (status.kind === 'live' || !isEmptyDocument(session.doc)) ? session : null;
  // Offline, a document this device never held cannot be shown; an editor would look empty and saved.
  const unavailable = known === null && localCopy === 'absent' && status.kind === 'offline';
  // The link asks for a format only for a new document; an existing one opens in its own.
  const wanted = formatOf(window.location.search);
  const check = useDocumentFormat(known, wanted);
  const format = check.kind === 'mismatch' ? check.actual : wanted;
  const self = peers.find((peer) => peer.isSelf)?.user ?? user;
  const others = peers.filter((peer) => !peer.isSelf);
  useEffect(() => {
    rememberDocument(name);
    document.title = `${name} · Tandem`;
  }, [name]);
  return (
    <div className="document-page">
      <header className="app-bar">
        <a
          className="brand"
          href="/"
          onClick={(event) => {
            event.preventDefault();
            navigate('/');
          }}
        >
          <span className="brand__mark" aria-hidden="true" />
          <span className="brand__name">Tandem</span>
        </a>
        <span className="app-bar__divider" aria-hidden="true" />
        <h1 className="app-bar__title" title={name}>
          {name}
        </h1>
        <div className="app-bar__presence">
          <PresenceList peers={others} compact max={MAX_AVATARS} />
          {session !== null && <DocumentStatus session={session} status={status} />}
        </div>
        <div className="app-bar__actions">
          <HistoryButton history={history} panelId={historyId} className="button" />
          <ShareButton name={name} />
          <IdentityMenu user={user} shown={self} onUserChange={onUserChange} />
        </div>
      </header>
      <main className="document-page__sheet">
        {unavailable ? (
          <p className="document-page__unavailable" role="alert">
            This document has not been opened on this device yet, so it cannot be shown while offline. It opens as soon as the connection returns.
          </p>
        ) : (
          known !== null && <DocumentEditor session={known} format={format} placeholder="Start writing… everyone with the link can join." />
        )}
      </main>
      {session !== null && history.open && (
        <SessionHistoryPanel id={historyId} className="tandem-history--docked" session={session} serverUrl={serverUrl} onClose={history.close} />
      )}
    </div>
  );
}
