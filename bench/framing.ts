/**
 * How a target carries y-websocket messages on its socket. Tandem, the relay and y-websocket's
 * own server send them bare, one per frame, with the document named by the URL path. Hocuspocus
 * puts the document name in front of every message (so that one socket can carry several
 * documents) and waits for an auth message before it handles anything else for that document.
 * The generator builds y-websocket messages and lets a {@link Framing} put them on the wire, so
 * that every target gets the same keystrokes and awareness states.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** The wire protocol of a target. */
export type Protocol = 'y-websocket' | 'hocuspocus';

/** One socket's framing for one document. */
export interface Framing {
  /** Frames to send as soon as the socket is open, before sync step 1. */
  readonly opening: readonly Uint8Array[];
  /** A y-websocket message as this target expects it on the wire. */
  wrap(message: Uint8Array): Uint8Array;
  /** The y-websocket message inside a received frame (a view, not a copy). */
  unwrap(frame: Uint8Array): Uint8Array;
}

/** Hocuspocus' message type for auth (`MessageType.Auth`), and its token sub-type. */
const HOCUSPOCUS_AUTH = 2;
const HOCUSPOCUS_AUTH_TOKEN = 0;

const BARE: Framing = { opening: [], wrap: (message) => message, unwrap: (frame) => frame };

/** The framing for `url` (its path names the document) in `protocol`. */
export function framingFor(protocol: Protocol, url: string): Framing {
  if (protocol === 'y-websocket') return BARE;
  const prefixEncoder = encoding.createEncoder();
  encoding.writeVarString(prefixEncoder, documentNameOf(url));
  const prefix = encoding.toUint8Array(prefixEncoder);
  const wrap = (message: Uint8Array): Uint8Array => {
    const frame = new Uint8Array(prefix.length + message.length);
    frame.set(prefix, 0);
    frame.set(message, prefix.length);
    return frame;
  };
  // The provider's first message: `[document, Auth, Token, token]`; the server runs its
  // onAuthenticate hooks (none here) and answers Authenticated, then handles the queued rest.
  const auth = encoding.createEncoder();
  encoding.writeVarUint(auth, HOCUSPOCUS_AUTH);
  encoding.writeVarUint(auth, HOCUSPOCUS_AUTH_TOKEN);
  encoding.writeVarString(auth, '');
  return {
    opening: [wrap(encoding.toUint8Array(auth))],
    wrap,
    unwrap(frame) {
      const decoder = decoding.createDecoder(frame);
      decoding.readVarString(decoder);
      return frame.subarray(decoder.pos);
    },
  };
}

/** The document a URL names: its path without the leading slash and the query. */
export function documentNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}
