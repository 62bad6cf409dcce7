/** The start page: open or create a document by name, pick a display name and colour. */
import { useState, type FormEvent } from 'react';
import type { PresenceUser } from '../../shared/presence.js';
import { isValidDocumentName } from '../../shared/document-name.js';
import { IdentityPicker } from './IdentityPicker.js';
import { loadRecent, newDocumentName } from './identity.js';
import type { DocumentFormat } from '../../shared/document-format.js';
import { documentPath, newDocumentPath } from './routes.js';

/** Props of {@link HomePage}. */
export interface HomePageProps {
  user: PresenceUser;
  onUserChange(user: PresenceUser): void;
  navigate(path: string): void;
}

/** Landing page of the demo app. */
export function HomePage({ user, onUserChange, navigate }: HomePageProps) {
  const [name, setName] = useState('');
  const [format, setFormat] = useState<DocumentFormat>('richtext');
  const recent = loadRecent();
  const trimmed = name.trim();
  const valid = trimmed.length === 0 || isValidDocumentName(trimmed);
  const open = (event: FormEvent): void => {
    event.preventDefault();
    navigate(newDocumentPath(trimmed.length === 0 ? newDocumentName() : trimmed, format));
  };
  return (
    <main className="home">
      <section className="home__hero">
        <div className="brand brand--large">
          <span className="brand__mark" aria-hidden="true" />
          Tandem
        </div>
        <h1 className="home__title">Write together, in real time.</h1>
        <p className="home__lead">
          Open a document by name and share its link. Everyone sees each other's cursors as they type, edits merge without conflicts, and your work is kept even
          when the connection drops.
        </p>
        <form className="open-form" onSubmit={open}>
          <input
            className="input input--large"
            value={name}
            onChange={(event) => setName(event.target.value)}
            placeholder="Document name, e.g. team/weekly-notes"
            aria-label="Document name"
            aria-invalid={!valid}
            // biome-ignore lint/a11y/noAutofocus: the home page exists to take this one name; focus is where the user will type
            autoFocus
          />
          <button className="button button--primary" type="submit" disabled={!valid}>
            {trimmed.length === 0 ? 'New document' : 'Open'}
          </button>
        </form>
        <fieldset className="format-choice">
          <legend className="format-choice__legend">A new document is</legend>
          {(['richtext', 'plaintext'] as const).map((choice) => (
            <label key={choice} className="format-choice__option">
              <input type="radio" name="format" value={choice} checked={format === choice} onChange={() => setFormat(choice)} />
              {choice === 'richtext' ? 'Rich text' : 'Plain text'}
            </label>
          ))}
        </fieldset>
        {!valid && <p className="open-form__error">Use letters, digits and . _ ~ @ : + - separated by single slashes.</p>}
      </section>
      <section className="home__panels">
        <div className="card">
          <h2 className="card__title">You</h2>
          <IdentityPicker user={user} onChange={onUserChange} />
        </div>
        <div className="card">
          <h2 className="card__title">Recent documents</h2>
          {recent.length === 0 ? (
            <p className="card__empty">Documents you open appear here.</p>
          ) : (
            <ul className="recent">
              {recent.map((doc) => (
                <li key={doc}>
                  <a
                    className="recent__link"
                    href={documentPath(doc)}
                    onClick={(event) => {
                      event.preventDefault();
                      navigate(documentPath(doc));
                    }}
                  >
                    {doc}
                  </a>
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>
    </main>
  );
}
