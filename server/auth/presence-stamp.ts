/**
 * Identity stamping: with auth on, the name (and colour, when the token has one) in every
 * presence state a connection publishes is the token's, whatever the client wrote, so nobody can
 * appear to others as someone else. It costs one JSON parse and stringify per presence change, and
 * only in auth mode.
 */
import { MAX_USER_NAME_LENGTH } from '../../shared/presence.js';

/** Who the token says the user is, as presence shows it. */
export interface StampedUser {
  name: string;
  /** `#rrggbb`, or null to keep the colour the client chose. */
  color: string | null;
}

/**
 * Rewrites one presence state (its JSON text) to carry `user`. Throws for text that is not JSON
 * or not an object; the caller closes the connection for it.
 */
export type PresenceStamp = (state: string) => string;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The display name a token gives: its name claim, else its subject, cut to the longest name peers accept. */
export function displayName(name: string | null, userId: string): string {
  return (name ?? userId).slice(0, MAX_USER_NAME_LENGTH);
}

/** A {@link PresenceStamp} writing `user` over the `user` field, keeping the client's other fields. */
export function createPresenceStamp(user: StampedUser): PresenceStamp {
  return (text) => {
    const state: unknown = JSON.parse(text);
    if (!isObject(state)) throw new TypeError('a presence state must be a JSON object');
    const claimed = isObject(state.user) ? state.user : {};
    state.user = user.color === null ? { ...claimed, name: user.name } : { ...claimed, name: user.name, color: user.color };
    return JSON.stringify(state);
  };
}
