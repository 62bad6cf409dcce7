/**
 * The client's own check that the server still hears it.
 *
 * A socket whose network vanished (Wi-Fi dropped, laptop lid closed, a proxy that lost the
 * connection) stays "open" in the browser until a TCP timeout, and y-websocket only gives up after
 * 30 s without a message; until then the status would say "Saving…" for edits that go nowhere. So
 * a connection that has heard nothing for {@link LivenessOptions.silenceMs} sends a Tandem Ping
 * (shared/protocol.ts); the server answers at once, and a connection that hears nothing more within
 * {@link LivenessOptions.answerMs} is declared dead. A busy connection sends no Ping at all: any
 * frame from the server proves it alive. A connection attempt that stays unanswered (the same
 * silent network) is given up after {@link LivenessOptions.connectMs}, so the next one can work.
 */
import { encodePing } from '../../shared/protocol.js';

/** How quickly a silent connection is found dead. */
export interface LivenessOptions {
  /** Silence, in milliseconds, after which the client asks whether the server is there. */
  silenceMs?: number | undefined;
  /** How long, in milliseconds, the server has to answer before the connection counts as dead. */
  answerMs?: number | undefined;
  /** How long, in milliseconds, a connection attempt may take to open before it is given up. */
  connectMs?: number | undefined;
}

/**
 * Default silence before a Ping. The server's own keepalive comes every 10 s, so a Ping goes out
 * at most about three times per keepalive interval on an otherwise idle connection.
 */
export const DEFAULT_LIVENESS_SILENCE_MS = 3_000;
/** Default time the server has to answer a Ping: generous for a slow mobile link, short enough to say "Offline" within seconds. */
export const DEFAULT_LIVENESS_ANSWER_MS = 3_000;

/** Default time a connection attempt may take: a slow TLS handshake over a poor link fits. */
export const DEFAULT_LIVENESS_CONNECT_MS = 10_000;

const PING_FRAME = encodePing();

/** What the check reads of a y-websocket `WebsocketProvider`. */
export interface LivenessSubject {
  readonly ws: Pick<WebSocket, 'readyState' | 'OPEN' | 'send'> | null;
  readonly wsconnected: boolean;
  readonly wsconnecting: boolean;
  /** When the last frame arrived (ms since the epoch); y-websocket stamps every one, a Pong included. */
  readonly wsLastMessageReceived: number;
}

/** A running liveness check; stop it when the connection is destroyed. */
export interface LivenessWatch {
  stop(): void;
}

/**
 * Watches `provider`'s socket and calls `onDead` when it went silent and did not answer a Ping in
 * time (at most `silenceMs + answerMs` plus one check interval after the last frame arrived), or
 * did not open within `connectMs`.
 */
export function watchLiveness(provider: LivenessSubject, onDead: () => void, options: LivenessOptions = {}): LivenessWatch {
  const silenceMs = options.silenceMs ?? DEFAULT_LIVENESS_SILENCE_MS;
  const answerMs = options.answerMs ?? DEFAULT_LIVENESS_ANSWER_MS;
  const connectMs = options.connectMs ?? DEFAULT_LIVENESS_CONNECT_MS;
  type Socket = NonNullable<LivenessSubject['ws']>;
  let pingedAt: number | null = null;
  let attempt: { socket: Socket; since: number } | null = null;
  /** A socket still opening: given up once it took `connectMs`. */
  const checkAttempt = (socket: Socket, now: number): void => {
    if (attempt?.socket !== socket) attempt = { socket, since: now };
    else if (now - attempt.since >= connectMs) {
      attempt = null;
      onDead();
    }
  };
  /** An open socket: pinged after `silenceMs` of silence, given up when nothing came `answerMs` after the ping. */
  const checkOpen = (socket: Socket, now: number): void => {
    const heardAt = provider.wsLastMessageReceived;
    if (pingedAt !== null && heardAt >= pingedAt) pingedAt = null;
    if (pingedAt !== null) {
      if (now - pingedAt < answerMs) return;
      pingedAt = null;
      onDead();
    } else if (now - heardAt >= silenceMs) {
      socket.send(PING_FRAME);
      pingedAt = now;
    }
  };
  const check = (): void => {
    const ws = provider.ws;
    const now = Date.now();
    if (ws !== null && provider.wsconnecting) {
      pingedAt = null;
      checkAttempt(ws, now);
      return;
    }
    attempt = null;
    if (provider.wsconnected && ws !== null && ws.readyState === ws.OPEN) checkOpen(ws, now);
    else pingedAt = null;
  };
  const timer = setInterval(check, Math.max(50, Math.min(silenceMs, answerMs) / 3));
  return { stop: () => clearInterval(timer) };
}
