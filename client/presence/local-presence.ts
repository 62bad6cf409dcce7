/**
 * This client's own presence: who it is, where its pointer is, and its disappearance when the
 * page goes away. Every write goes to the awareness state; the throttled sender
 * (awareness-throttle.ts) decides when it goes on the wire.
 */
import type { Awareness } from 'y-protocols/awareness';
import { isPresenceUser, type PresenceUser } from '../../shared/presence.js';

/** Publishes `user` (a name and a `#rrggbb` colour); throws on anything else. */
export function setPresenceUser(awareness: Awareness, user: PresenceUser): void {
  if (!isPresenceUser(user)) throw new TypeError('a presence user needs a name and a #rrggbb colour');
  // After a stop (state null) presence starts again from nothing but the user.
  awareness.setLocalState({ ...(awareness.getLocalState() ?? {}), user: { name: user.name, color: user.color } });
}

const round = (value: number): number => Math.round(value * 10) / 10;

/**
 * Publishes the pointer while it is over `area` (default: the content's parent at the time of
 * each event, since editors such as Tiptap's React binding move their content after creation),
 * in coordinates relative to the top left of `content` (so scrolling does not move it), and clears
 * it when the pointer leaves. Returns the function that stops tracking.
 */
export function trackPointer(awareness: Awareness, content: HTMLElement, area?: HTMLElement): () => void {
  const document = content.ownerDocument;
  let inside = false;
  const leave = (): void => {
    if (!inside) return;
    inside = false;
    awareness.setLocalStateField('pointer', null);
  };
  const onMove = (event: PointerEvent): void => {
    const region = area ?? content.parentElement ?? content;
    if (!(event.target instanceof Node) || !region.contains(event.target)) {
      leave();
      return;
    }
    inside = true;
    const rect = content.getBoundingClientRect();
    awareness.setLocalStateField('pointer', { x: round(event.clientX - rect.left), y: round(event.clientY - rect.top) });
  };
  // Listening on the document, not the area, keeps working when the editor moves its content.
  document.addEventListener('pointermove', onMove, { passive: true });
  document.documentElement.addEventListener('pointerleave', leave);
  return () => {
    document.removeEventListener('pointermove', onMove);
    document.documentElement.removeEventListener('pointerleave', leave);
    leave();
  };
}

/** A running presence, see {@link startPresence}. */
export interface PresenceHandle {
  /** Changes the published name or colour. */
  setUser(user: PresenceUser): void;
  /** Removes this client's presence for everyone. */
  stop(): void;
}

/**
 * Publishes `user` and keeps this client's presence truthful for the page's lifetime: on
 * `pagehide` the state is removed (peers see the cursor go at once, not after a timeout), and
 * restored if the page comes back from the back-forward cache.
 * @example
 * const presence = startPresence(session.awareness, { name: 'Ada', color: '#3366ff' });
 * // later
 * presence.stop();
 */
export function startPresence(awareness: Awareness, user: PresenceUser): PresenceHandle {
  setPresenceUser(awareness, user);
  let hidden: Record<string, unknown> | null = null;
  const onPageHide = (): void => {
    hidden = awareness.getLocalState();
    awareness.setLocalState(null);
  };
  const onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted && hidden !== null) awareness.setLocalState(hidden);
    hidden = null;
  };
  const win = typeof window === 'undefined' ? null : window;
  win?.addEventListener('pagehide', onPageHide);
  win?.addEventListener('pageshow', onPageShow);
  return {
    setUser: (next) => setPresenceUser(awareness, next),
    stop() {
      win?.removeEventListener('pagehide', onPageHide);
      win?.removeEventListener('pageshow', onPageShow);
      awareness.setLocalState(null);
    },
  };
}
