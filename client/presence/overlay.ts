/**
 * Drawing remote carets and pointers. One absolutely positioned layer sits over the editor
 * content, so cursors never shift the text layout; each cursor is an element moved only through
 * `transform`, which the browser composites without layout. The layer's own origin is moved onto
 * the content's top left, so children are placed in editor-content coordinates.
 *
 * Labels fade when their peer has been idle for {@link IDLE_AFTER_MS}; one timer serves all.
 */
import type { PresenceUser } from '../../shared/presence.js';
import type { Point } from './interpolator.js';

/** A peer whose cursor has not moved for this long shows it without its name label. */
export const IDLE_AFTER_MS = 4_000;

/** Which of a peer's two cursors. */
export type CursorKind = 'caret' | 'pointer';

/** The id under which a peer's cursor is drawn and interpolated. */
export function cursorId(kind: CursorKind, clientId: number): string {
  return `${kind}:${clientId}`;
}

const POINTER_SVG =
  '<svg width="18" height="20" viewBox="0 0 18 20" aria-hidden="true"><path d="M1 1 L1 16 L5.5 12 L8.5 19 L11.5 17.7 L8.6 11 L14.5 11 Z" fill="currentColor" stroke="white" stroke-width="1.3" stroke-linejoin="round"/></svg>';

interface Drawn {
  element: HTMLElement;
  clientId: number;
}

/** The cursor layer of one editor. */
export class CursorOverlay {
  /** The layer element (class `tandem-cursors`). */
  readonly element: HTMLElement;
  private readonly drawn = new Map<string, Drawn>();
  private readonly lastActive = new Map<number, number>();
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private origin: Point = { x: 0, y: 0 };

  /** Creates the layer as the last child of `host`, which must contain the editor content. */
  constructor(host: HTMLElement) {
    const document = host.ownerDocument;
    this.element = document.createElement('div');
    this.element.className = 'tandem-cursors';
    this.element.setAttribute('aria-hidden', 'true');
    host.appendChild(this.element);
  }

  /** Moves the layer so that its origin is the top left of `content`. Call after layout changes. */
  alignTo(content: HTMLElement): void {
    const layer = this.element.getBoundingClientRect();
    const target = content.getBoundingClientRect();
    const x = this.origin.x + target.left - layer.left;
    const y = this.origin.y + target.top - layer.top;
    if (Math.abs(x - this.origin.x) < 0.01 && Math.abs(y - this.origin.y) < 0.01) return;
    this.origin = { x, y };
    this.element.style.transform = `translate(${x}px, ${y}px)`;
  }

  /** Makes sure a cursor element exists for the peer and shows its current name and colour. */
  show(kind: CursorKind, clientId: number, user: PresenceUser, height?: number): void {
    const id = cursorId(kind, clientId);
    let drawn = this.drawn.get(id);
    if (drawn === undefined) {
      drawn = { element: this.create(kind), clientId };
      this.drawn.set(id, drawn);
      this.element.appendChild(drawn.element);
    }
    const { element } = drawn;
    if (element.dataset.color !== user.color) {
      element.dataset.color = user.color;
      element.style.setProperty('--tandem-color', user.color);
    }
    const label = element.querySelector<HTMLElement>('.tandem-cursor-label');
    if (label !== null && label.textContent !== user.name) label.textContent = user.name;
    if (height !== undefined && element.dataset.height !== String(height)) {
      element.dataset.height = String(height);
      element.style.setProperty('--tandem-caret-height', `${height}px`);
    }
  }

  /** Places a cursor (editor-content coordinates); the interpolator calls this every frame. */
  move(id: string, point: Point): void {
    const drawn = this.drawn.get(id);
    if (drawn !== undefined) drawn.element.style.transform = `translate(${point.x}px, ${point.y}px)`;
  }

  /** Removes one cursor of a peer. */
  hide(kind: CursorKind, clientId: number): void {
    const id = cursorId(kind, clientId);
    this.drawn.get(id)?.element.remove();
    this.drawn.delete(id);
  }

  /** Removes both cursors of a peer. */
  forget(clientId: number): void {
    this.hide('caret', clientId);
    this.hide('pointer', clientId);
    this.lastActive.delete(clientId);
  }

  /** The peer just moved: show its labels again, and fade them after a quiet spell. */
  activity(clientId: number, now = Date.now()): void {
    this.lastActive.set(clientId, now);
    this.setIdle(clientId, false);
    this.scheduleIdleCheck(now);
  }

  /** Removes the layer and its timer. */
  destroy(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    this.element.remove();
    this.drawn.clear();
    this.lastActive.clear();
  }

  private create(kind: CursorKind): HTMLElement {
    const document = this.element.ownerDocument;
    const element = document.createElement('div');
    element.className = kind === 'caret' ? 'tandem-caret' : 'tandem-pointer';
    if (kind === 'pointer') element.innerHTML = POINTER_SVG;
    const label = document.createElement('div');
    label.className = 'tandem-cursor-label';
    element.appendChild(label);
    return element;
  }

  private setIdle(clientId: number, idle: boolean): void {
    for (const drawn of this.drawn.values()) {
      if (drawn.clientId === clientId) drawn.element.classList.toggle('tandem-idle', idle);
    }
  }

  private scheduleIdleCheck(now: number): void {
    if (this.idleTimer !== null) return;
    let next = Number.POSITIVE_INFINITY;
    for (const [clientId, at] of this.lastActive) {
      if (now - at >= IDLE_AFTER_MS) {
        this.setIdle(clientId, true);
        this.lastActive.delete(clientId);
      } else {
        next = Math.min(next, at + IDLE_AFTER_MS);
      }
    }
    if (next === Number.POSITIVE_INFINITY) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      this.scheduleIdleCheck(Date.now());
    }, next - now);
  }
}
