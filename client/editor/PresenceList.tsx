/** Who is in the document: a coloured avatar per peer, this client marked "you". */
import type { Peer } from '../presence/peers.js';

/** Props of {@link PresenceList}. */
export interface PresenceListProps {
  peers: readonly Peer[];
  /** Avatars only, names in tooltips (default false: avatars with names). */
  compact?: boolean | undefined;
  /** At most this many avatars; the rest become "+N". Default 8. */
  max?: number | undefined;
  className?: string | undefined;
}

/** Up to two initials of a display name. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const first = [...(words[0] ?? '?')];
  const last = [...(words.at(-1) ?? '')];
  return (words.length > 1 ? `${first[0]}${last[0]}` : first.slice(0, 2).join('')).toUpperCase();
}

/**
 * The people present.
 * @example
 * <PresenceList peers={peers} compact />
 */
export function PresenceList({ peers, compact = false, max = 8, className }: PresenceListProps) {
  const shown = peers.slice(0, max);
  const hidden = peers.length - shown.length;
  const classes = ['tandem-presence', compact ? 'tandem-presence--compact' : null, className].filter(Boolean).join(' ');
  return (
    <ul className={classes} aria-label={`${peers.length} ${peers.length === 1 ? 'person' : 'people'} here`}>
      {shown.map((peer) => {
        const name = peer.isSelf ? `${peer.user.name} (you)` : peer.user.name;
        return (
          <li key={peer.clientId} className="tandem-presence__peer" title={name} data-client={peer.clientId} data-self={peer.isSelf || undefined}>
            <span className="tandem-presence__avatar" style={{ backgroundColor: peer.user.color }} aria-hidden="true">
              {initials(peer.user.name)}
            </span>
            <span className="tandem-presence__name">{name}</span>
          </li>
        );
      })}
      {hidden > 0 && (
        <li
          className="tandem-presence__more"
          title={peers
            .slice(max)
            .map((peer) => peer.user.name)
            .join(', ')}
        >
          +{hidden}
        </li>
      )}
    </ul>
  );
}
