/** One document: the app bar (name, share link, people, status, identity) and the editor. */
import { useEffect, useId, useRef, useState } from 'react';
import type { PresenceUser } from '../../shared/presence.js';
import { DocumentEditor } from '../editor/CollaborativeEditor.js';
import { ConnectionStatus } from '../editor/ConnectionStatus.js';
import { useDocumentFormat, useTandemDocument } from '../editor/hooks.js';
import { initials, PresenceList } from '../editor/PresenceList.js';
import { HistoryButton, useHistoryToggle } from '../history/HistoryButton.js';
import { SessionHistoryPanel } from '../history/SessionHistoryPanel.js';
import { IdentityPicker } from './IdentityPicker.js';
import { rememberDocument } from './identity.js';
import { documentPath, formatOf, serverUrlOf } from './routes.js';

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

/** The writer's avatar; opens the name and colour chooser. */
function IdentityMenu({ user, onUserChange }: { user: PresenceUser; onUserChange(user: PresenceUser): void }) {
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
      <button type="button" className="identity-menu__button" aria-expanded={open} aria-label="Change your name and colour" onClick={() => setOpen(!open)}>
        <span className="tandem-presence__avatar" style={{ backgroundColor: user.color }}>
          {initials(user.name)}
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
  // The link asks for a format only for a new document; an existing one opens in its own.
  const wanted = formatOf(window.location.search);
  const check = useDocumentFormat(session, wanted);
  const format = check.kind === 'mismatch' ? check.actual : wanted;
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
          Tandem
        </a>
        <span className="app-bar__divider" aria-hidden="true" />
        <h1 className="app-bar__title" title={name}>
          {name}
        </h1>
        <div className="app-bar__actions">
          <PresenceList peers={peers} compact />
          <ConnectionStatus status={status} onRetry={session?.reconnect} />
          <HistoryButton history={history} panelId={historyId} className="button" />
          <ShareButton name={name} />
          <IdentityMenu user={user} onUserChange={onUserChange} />
        </div>
      </header>
      <main className="document-page__sheet">
        {session !== null && <DocumentEditor session={session} format={format} placeholder="Start writing… everyone with the link can join." />}
      </main>
      {session !== null && history.open && (
        <SessionHistoryPanel id={historyId} className="tandem-history--docked" session={session} serverUrl={serverUrl} onClose={history.close} />
      )}
    </div>
  );
}
