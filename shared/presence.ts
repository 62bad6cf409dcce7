/**
 * The awareness fields Tandem clients publish. `user` and `cursor` are the fields Tiptap's
 * CollaborationCaret and y-prosemirror use, so stock clients and ours see each other.
 */

/** Who a peer is. `color` is always `#rrggbb`: caret extensions derive tints from it. */
export interface PresenceUser {
  name: string;
  color: string;
}

/** A caret or selection as Yjs relative positions in their JSON form (`Y.relativePositionToJSON`). */
export interface PresenceCursor {
  anchor: unknown;
  head: unknown;
}

/** A mouse pointer in editor-content coordinates (CSS pixels from the content's top left). */
export interface PresencePointer {
  x: number;
  y: number;
}

/** One client's awareness state as Tandem reads and writes it. Unknown fields are kept. */
export interface PresenceState {
  user?: PresenceUser;
  cursor?: PresenceCursor | null;
  pointer?: PresencePointer | null;
  [field: string]: unknown;
}

/** Longest display name, in characters. */
export const MAX_USER_NAME_LENGTH = 64;

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;

/** True for a `#rrggbb` colour. */
export function isHexColor(value: unknown): value is string {
  return typeof value === 'string' && HEX_COLOR.test(value);
}

/** True for a well-formed {@link PresenceUser}. */
export function isPresenceUser(value: unknown): value is PresenceUser {
  if (typeof value !== 'object' || value === null) return false;
  const { name, color } = value as Record<string, unknown>;
  return typeof name === 'string' && name.length > 0 && name.length <= MAX_USER_NAME_LENGTH && isHexColor(color);
}

/** True for a pointer with finite coordinates. */
export function isPresencePointer(value: unknown): value is PresencePointer {
  if (typeof value !== 'object' || value === null) return false;
  const { x, y } = value as Record<string, unknown>;
  return typeof x === 'number' && typeof y === 'number' && Number.isFinite(x) && Number.isFinite(y);
}
