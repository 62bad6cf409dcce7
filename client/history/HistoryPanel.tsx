/**
 * The version history of a document: its versions newest first (label, author, relative time),
 * a read-only preview of one with what changed since then marked, "Restore this version" after a
 * confirmation, and "Name this version". A non-modal dialog: it takes focus when it opens, and
 * Escape closes it (or, while asking to restore, only the question).
 */
import { useCallback, useEffect, useId, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type * as Y from 'yjs';
import { relativeTime } from './relative-time.js';
import { stateBlocks } from './version-diff.js';
import { createVersion, fetchVersionState, listVersions, restoreVersion, type Version, type VersionsTarget } from './versions-client.js';
import { VersionPreview } from './VersionPreview.js';

/** Props of {@link HistoryPanel}. */
export interface HistoryPanelProps extends VersionsTarget {
  /** The live document, compared with the version being previewed. */
  doc: Y.Doc;
  /** Whether to offer naming and restoring (default true; a read-only token is refused by the server anyway). */
  canWrite?: boolean | undefined;
  /** Called by the close button and Escape. */
  onClose?: (() => void) | undefined;
  /** Called after a version was restored, with the version saved just before. */
  onRestored?: ((beforeRestore: Version) => void) | undefined;
  /** The panel's element id, e.g. for the `aria-controls` of the button that opens it. */
  id?: string | undefined;
  className?: string | undefined;
}

const KIND_NAMES: Record<Version['kind'], string> = { manual: 'Named version', auto: 'Automatic version', 'before-restore': 'Before a restore' };

/** What a version is called in the list: its label, else its kind. */
export function versionTitle(version: Version): string {
  return version.label ?? KIND_NAMES[version.kind];
}

/** The message of a failed call, for the panel's status line. */
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Re-renders every minute, so relative times stay true. */
function useMinuteClock(): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** The selected version and its text, once fetched. */
type Selection = { readonly version: Version; readonly blocks: readonly string[] | null };

/**
 * The history of one document.
 * @example
 * <HistoryPanel serverUrl="wss://docs.example.com" documentName="notes" token={token} doc={session.doc} onClose={close} />
 */
export function HistoryPanel(props: HistoryPanelProps) {
  const { serverUrl, documentName, token, fetch, doc, canWrite = true, onClose, onRestored, id, className } = props;
  const target: VersionsTarget = { serverUrl, documentName, token, fetch };
  const [versions, setVersions] = useState<readonly Version[] | null>(null);
  const [selected, setSelected] = useState<Selection | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  const [label, setLabel] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const restoreButton = useRef<HTMLButtonElement>(null);
  const headingId = useId();
  const questionId = useId();
  const now = useMinuteClock();

  // The latest target, read at each call: an app passing a new token function on every render
  // must not make the panel reload and take the focus each time.
  const latest = useRef(target);
  useLayoutEffect(() => {
    latest.current = target;
  });
  const refresh = useCallback(async () => {
    try {
      setVersions(await listVersions(latest.current));
    } catch (error) {
      setMessage(`Could not load the versions: ${messageOf(error)}`);
    }
  }, []);

  useEffect(() => heading.current?.focus(), []);
  // A new document (server or name) starts over; `refresh` reads the latest target itself.
  // biome-ignore lint/correctness/useExhaustiveDependencies: serverUrl and documentName are the triggers, not inputs
  useEffect(() => {
    setVersions(null);
    setSelected(null);
    void refresh();
  }, [serverUrl, documentName, refresh]);
  // Focus follows the question: to Cancel when it opens, back to its button when it closes.
  const wasConfirming = useRef(false);
  useEffect(() => {
    if (confirming) cancel.current?.focus();
    else if (wasConfirming.current) restoreButton.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const select = async (version: Version): Promise<void> => {
    setConfirming(false);
    setSelected({ version, blocks: null });
    try {
      const blocks = stateBlocks(await fetchVersionState(target, version.id));
      setSelected((current) => (current?.version.id === version.id ? { version, blocks } : current));
    } catch (error) {
      setSelected((current) => (current?.version.id === version.id ? null : current));
      setMessage(`Could not open the version: ${messageOf(error)}`);
    }
  };

  const name = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    try {
      const version = await createVersion(target, label.trim());
      setLabel('');
      setMessage(`Saved "${versionTitle(version)}".`);
      await refresh();
    } catch (error) {
      setMessage(`Could not save the version: ${messageOf(error)}`);
    } finally {
      setBusy(false);
    }
  };

  const restore = async (version: Version): Promise<void> => {
    setBusy(true);
    try {
      const before = await restoreVersion(target, version.id);
      setConfirming(false);
      setMessage(`Restored "${versionTitle(version)}". The content before it is saved as a version.`);
      onRestored?.(before);
      await refresh();
    } catch (error) {
      setMessage(`Could not restore the version: ${messageOf(error)}`);
    } finally {
      setBusy(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    if (confirming) setConfirming(false);
    else onClose?.();
  };

  return (
    <section
      id={id}
      role="dialog"
      aria-modal="false"
      aria-labelledby={headingId}
      className={['tandem-history', className].filter(Boolean).join(' ')}
      onKeyDown={onKeyDown}
    >
      <header className="tandem-history__header">
        <h2 id={headingId} ref={heading} tabIndex={-1}>
          Version history
        </h2>
        {onClose !== undefined && (
          <button type="button" className="tandem-history__close" aria-label="Close version history" onClick={onClose}>
            ×
          </button>
        )}
      </header>
      {canWrite && (
        <form className="tandem-history__name" onSubmit={(event) => void name(event)}>
          <input aria-label="Version name" placeholder="e.g. Before the review" value={label} onChange={(event) => setLabel(event.target.value)} />
          <button type="submit" disabled={busy}>
            Name this version
          </button>
        </form>
      )}
      <p className="tandem-history__status" role="status">
        {message}
      </p>
      {versions === null ? (
        <p aria-busy="true">Loading versions…</p>
      ) : versions.length === 0 ? (
        <p>No versions yet.</p>
      ) : (
        <ul className="tandem-history__list" aria-label="Versions, newest first">
          {versions.map((version) => (
            <li key={version.id}>
              <button
                type="button"
                className="tandem-history__version"
                data-kind={version.kind}
                aria-current={selected?.version.id === version.id ? 'true' : undefined}
                onClick={() => void select(version)}
              >
                <span className="tandem-history__title">{versionTitle(version)}</span>
                <span className="tandem-history__by">{version.createdBy ?? (version.kind === 'auto' ? 'Tandem' : 'Unknown author')}</span>
                <time dateTime={new Date(version.createdAt).toISOString()} title={new Date(version.createdAt).toLocaleString()}>
                  {relativeTime(version.createdAt, now)}
                </time>
              </button>
            </li>
          ))}
        </ul>
      )}
      {selected !== null &&
        (selected.blocks === null ? (
          <p aria-busy="true">Opening the version…</p>
        ) : (
          <>
            <VersionPreview blocks={selected.blocks} doc={doc} title={versionTitle(selected.version)} />
            {canWrite &&
              (confirming ? (
                <div className="tandem-history__confirm" role="alertdialog" aria-labelledby={questionId}>
                  <p id={questionId}>Restore "{versionTitle(selected.version)}" for everyone? The current content is saved as a version first.</p>
                  <button type="button" className="tandem-history__confirm-restore" disabled={busy} onClick={() => void restore(selected.version)}>
                    Restore
                  </button>
                  <button type="button" ref={cancel} onClick={() => setConfirming(false)}>
                    Cancel
                  </button>
                </div>
              ) : (
                <button type="button" className="tandem-history__restore" ref={restoreButton} onClick={() => setConfirming(true)}>
                  Restore this version
                </button>
              ))}
          </>
        ))}
    </section>
  );
}
