/**
 * Remote carets and pointers: awareness states in, interpolation targets out. A caret target is
 * its peer's relative position resolved in this editor (relative -> absolute -> `coordsAtPos`),
 * re-measured whenever the document or the layout changes; a pointer target is the peer's
 * editor-content coordinates as sent. A cursor goes the moment its awareness state goes.
 */
import type { EditorView } from '@tiptap/pm/view';
import type { Awareness } from 'y-protocols/awareness';
import { isPresencePointer, type PresencePointer, type PresenceUser } from '../../shared/presence.js';
import { createInterpolator, type FrameScheduler, type Interpolator } from './interpolator.js';
import { CursorOverlay, cursorId } from './overlay.js';
import { userOf } from './peers.js';
import { asPresenceCursor, resolveCursor } from './positions.js';

/** Options of {@link RemoteCursors}. */
export interface RemoteCursorsOptions {
  view: EditorView;
  awareness: Awareness;
  /** Element the cursor layer goes into; default the editor content's parent. */
  host?: HTMLElement;
  /** Frame source for the interpolator (tests and benchmarks). */
  scheduler?: FrameScheduler;
}

interface Seen {
  cursor: string | null;
  pointer: string | null;
  user: string;
}

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

/** Draws the carets and pointers of every other client of an awareness over one editor. */
export class RemoteCursors {
  private readonly view: EditorView;
  private readonly awareness: Awareness;
  private readonly overlay: CursorOverlay;
  private readonly motion: Interpolator;
  private readonly seen = new Map<number, Seen>();
  private readonly resizeObserver: ResizeObserver | null;
  private refreshQueued = false;

  constructor(options: RemoteCursorsOptions) {
    this.view = options.view;
    this.awareness = options.awareness;
    const host = options.host ?? options.view.dom.parentElement ?? options.view.dom;
    this.overlay = new CursorOverlay(host);
    this.motion = createInterpolator({
      draw: (id, point) => this.overlay.move(id, point),
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    });
    this.awareness.on('change', this.onChange);
    this.resizeObserver = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(() => this.refresh());
    this.resizeObserver?.observe(this.view.dom);
    this.overlay.alignTo(this.view.dom);
    for (const clientId of this.awareness.getStates().keys()) this.update(clientId);
  }

  /** Re-measures every caret after the document or the layout changed; coalesced per task. */
  refresh(): void {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    queueMicrotask(() => {
      this.refreshQueued = false;
      if (this.view.isDestroyed) return;
      this.overlay.alignTo(this.view.dom);
      for (const clientId of this.seen.keys()) this.placeCaret(clientId);
    });
  }

  /** Removes the layer and stops listening. */
  destroy(): void {
    this.awareness.off('change', this.onChange);
    this.resizeObserver?.disconnect();
    this.motion.destroy();
    this.overlay.destroy();
    this.seen.clear();
  }

  private readonly onChange = ({ added, updated, removed }: AwarenessChange): void => {
    for (const clientId of removed) this.forget(clientId);
    for (const clientId of added) this.update(clientId);
    for (const clientId of updated) this.update(clientId);
  };

  private forget(clientId: number): void {
    this.seen.delete(clientId);
    this.motion.remove(cursorId('caret', clientId));
    this.motion.remove(cursorId('pointer', clientId));
    this.overlay.forget(clientId);
  }

  private update(clientId: number): void {
    if (clientId === this.awareness.clientID) return;
    const state = this.awareness.getStates().get(clientId);
    if (state === undefined) {
      this.forget(clientId);
      return;
    }
    const cursor = asPresenceCursor(state.cursor);
    const pointer = isPresencePointer(state.pointer) ? state.pointer : null;
    const user = userOf(state, clientId);
    const next: Seen = {
      cursor: cursor === null ? null : JSON.stringify(cursor),
      pointer: pointer === null ? null : `${pointer.x},${pointer.y}`,
      user: `${user.name}\n${user.color}`,
    };
    const previous = this.seen.get(clientId);
    this.seen.set(clientId, next);
    if (previous === undefined || previous.cursor !== next.cursor || previous.pointer !== next.pointer) this.overlay.activity(clientId);
    this.placePointer(clientId, pointer, user);
    // Measuring a caret reads layout: do it only when the caret (or the user's look) may differ.
    if (previous?.cursor !== next.cursor || previous.user !== next.user) this.placeCaret(clientId);
  }

  private placePointer(clientId: number, pointer: PresencePointer | null, user: PresenceUser): void {
    const id = cursorId('pointer', clientId);
    if (pointer === null) {
      this.motion.remove(id);
      this.overlay.hide('pointer', clientId);
      return;
    }
    this.overlay.show('pointer', clientId, user);
    this.motion.setTarget(id, pointer);
  }

  private placeCaret(clientId: number): void {
    const id = cursorId('caret', clientId);
    const state = this.awareness.getStates().get(clientId);
    const cursor = asPresenceCursor(state?.cursor);
    const resolved = cursor === null ? null : resolveCursor(this.view.state, cursor);
    if (resolved === null) {
      this.motion.remove(id);
      this.overlay.hide('caret', clientId);
      return;
    }
    const coords = this.view.coordsAtPos(resolved.head);
    const content = this.view.dom.getBoundingClientRect();
    this.overlay.show('caret', clientId, userOf(state, clientId), Math.round(coords.bottom - coords.top));
    this.motion.setTarget(id, { x: coords.left - content.left, y: coords.top - content.top }, { snapAcrossLines: true });
  }
}
