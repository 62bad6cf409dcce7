/**
 * The people in a document, read from awareness. Peer states are untrusted input: a state
 * without a valid user still counts (stock clients may omit it) but gets a neutral name and colour.
 */
import type { Awareness } from 'y-protocols/awareness';
import { isPresenceUser, type PresenceUser } from '../../shared/presence.js';

/** One client in the document. The same person in two tabs is two peers. */
export interface Peer {
  readonly clientId: number;
  readonly user: PresenceUser;
  /** True for this client. */
  readonly isSelf: boolean;
}

/** Colour for peers that publish none: y-prosemirror's default, so both sides agree. */
export const FALLBACK_COLOR = '#ffa500';

/** The user a state publishes, or a stand-in named after its client id. */
export function userOf(state: Record<string, unknown> | undefined, clientId: number): PresenceUser {
  const user = state?.user;
  return isPresenceUser(user) ? { name: user.name, color: user.color } : { name: `User ${clientId}`, color: FALLBACK_COLOR };
}

/** Every client with a state, this client first, then by name. */
export function readPeers(awareness: Awareness): Peer[] {
  const peers: Peer[] = [];
  for (const [clientId, state] of awareness.getStates()) {
    peers.push({ clientId, user: userOf(state, clientId), isSelf: clientId === awareness.clientID });
  }
  return peers.sort((a, b) => Number(b.isSelf) - Number(a.isSelf) || a.user.name.localeCompare(b.user.name) || a.clientId - b.clientId);
}

/** The name and colour a token gives its user; null for what it does not say. */
export interface StampedIdentity {
  readonly name: string | null;
  readonly color: string | null;
}

/**
 * `peers` with this client's own entry showing `identity` where it says something: with auth on,
 * the server writes the token's name and colour over what this client publishes, so that is what
 * everyone else sees, and the writer should see the same.
 */
export function stampSelf(peers: Peer[], identity: StampedIdentity): Peer[] {
  if (identity.name === null && identity.color === null) return peers;
  return peers.map((peer) => (peer.isSelf ? { ...peer, user: { name: identity.name ?? peer.user.name, color: identity.color ?? peer.user.color } } : peer));
}
