/**
 * The ProseMirror side of presence. Publishes this editor's selection in the awareness `cursor`
 * field exactly as y-prosemirror's cursor plugin does (relative positions; removed on blur), so
 * stock Tiptap clients and Tandem clients see each other. Draws peers' selections as inline
 * decorations, and hands their carets and pointers to {@link RemoteCursors}, which draws them in an
 * overlay with interpolation instead of as widgets inside the text.
 */
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state';
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view';
import type { Awareness } from 'y-protocols/awareness';
import type { FrameScheduler } from './interpolator.js';
import { trackPointer } from './local-presence.js';
import { userOf } from './peers.js';
import { asPresenceCursor, cursorFromSelection, isRemoteChange, resolveCursor, sameCursor } from './positions.js';
import { RemoteCursors } from './remote-cursors.js';

/** Options of {@link presencePlugin}. */
export interface PresencePluginOptions {
  awareness: Awareness;
  /** Publish the mouse pointer (default true). */
  pointer?: boolean;
  /** Frame source for cursor motion (tests and benchmarks). */
  scheduler?: FrameScheduler;
}

/** The plugin's key; its state is the set of remote selection decorations. */
export const presencePluginKey = new PluginKey<DecorationSet>('tandemPresence');

interface AwarenessChange {
  added: number[];
  updated: number[];
  removed: number[];
}

/** Inline decorations for every peer's non-empty selection. */
function selectionDecorations(state: EditorState, awareness: Awareness): DecorationSet {
  const decorations: Decoration[] = [];
  for (const [clientId, peerState] of awareness.getStates()) {
    if (clientId === awareness.clientID) continue;
    const cursor = asPresenceCursor(peerState.cursor);
    const resolved = cursor === null ? null : resolveCursor(state, cursor);
    if (resolved === null || resolved.anchor === resolved.head) continue;
    const { color } = userOf(peerState, clientId);
    decorations.push(
      Decoration.inline(
        Math.min(resolved.anchor, resolved.head),
        Math.max(resolved.anchor, resolved.head),
        { class: 'tandem-selection', style: `background-color: ${color}40`, 'data-client': String(clientId) },
        { inclusiveStart: false, inclusiveEnd: true },
      ),
    );
  }
  return DecorationSet.create(state.doc, decorations);
}

/** What of a peer's state the selection decorations depend on. */
const decorationKey = (state: Record<string, unknown> | undefined, clientId: number): string =>
  state === undefined ? '' : `${JSON.stringify(state.cursor ?? null)}|${userOf(state, clientId).color}`;

/** Publishes this editor's selection and draws every peer's selection, caret and pointer. */
export function presencePlugin(options: PresencePluginOptions): Plugin<DecorationSet> {
  const { awareness } = options;
  return new Plugin<DecorationSet>({
    key: presencePluginKey,
    state: {
      init: (_config, state) => selectionDecorations(state, awareness),
      apply(tr, previous, _oldState, newState) {
        if (isRemoteChange(newState) || tr.getMeta(presencePluginKey) === true) return selectionDecorations(newState, awareness);
        return tr.docChanged ? previous.map(tr.mapping, tr.doc) : previous;
      },
    },
    props: {
      decorations: (state) => presencePluginKey.getState(state),
    },
    view(view) {
      return new PresenceView(view, options);
    },
  });
}

class PresenceView {
  private readonly awareness: Awareness;
  private readonly remote: RemoteCursors;
  private readonly stopPointer: (() => void) | null;
  private readonly decorationKeys = new Map<number, string>();

  constructor(
    private readonly view: EditorView,
    options: PresencePluginOptions,
  ) {
    this.awareness = options.awareness;
    this.remote = new RemoteCursors({
      view,
      awareness: this.awareness,
      ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }),
    });
    this.stopPointer = options.pointer === false ? null : trackPointer(this.awareness, view.dom);
    this.awareness.on('change', this.onAwarenessChange);
    view.dom.addEventListener('focusin', this.onFocusChange);
    view.dom.addEventListener('focusout', this.onFocusChange);
  }

  update(view: EditorView, previous: EditorState): void {
    this.publishCursor();
    if (!previous.doc.eq(view.state.doc)) this.remote.refresh();
  }

  destroy(): void {
    this.awareness.off('change', this.onAwarenessChange);
    this.view.dom.removeEventListener('focusin', this.onFocusChange);
    this.view.dom.removeEventListener('focusout', this.onFocusChange);
    this.remote.destroy();
    this.stopPointer?.();
    if (this.awareness.getLocalState()?.cursor != null) this.awareness.setLocalStateField('cursor', null);
  }

  private readonly onFocusChange = (): void => this.publishCursor();

  private publishCursor(): void {
    const local = this.awareness.getLocalState();
    if (local === null) return;
    const current = asPresenceCursor(local.cursor);
    if (!this.view.hasFocus()) {
      if (current !== null) this.awareness.setLocalStateField('cursor', null);
      return;
    }
    const cursor = cursorFromSelection(this.view.state);
    if (cursor !== null && (current === null || !sameCursor(current, cursor))) this.awareness.setLocalStateField('cursor', cursor);
  }

  /** Redraws selections only when a peer's cursor or colour changed, not on every pointer move. */
  private readonly onAwarenessChange = ({ added, updated, removed }: AwarenessChange): void => {
    let changed = false;
    for (const clientId of [...added, ...updated, ...removed]) {
      if (clientId === this.awareness.clientID) continue;
      const key = decorationKey(this.awareness.getStates().get(clientId), clientId);
      if (this.decorationKeys.get(clientId) === key) continue;
      if (key === '') this.decorationKeys.delete(clientId);
      else this.decorationKeys.set(clientId, key);
      changed = true;
    }
    if (changed && !this.view.isDestroyed) this.view.dispatch(this.view.state.tr.setMeta(presencePluginKey, true));
  };
}
