/** Names for frames by their first bytes: metric labels and log fields, never used for dispatch. */
import { MessageType, SyncMessageType } from '../../shared/protocol.js';

/** What a frame carries, as far as its first two bytes tell. */
export type FrameKind = 'sync_step1' | 'sync_step2' | 'sync_update' | 'awareness' | 'query_awareness' | 'saved' | 'access' | 'ping' | 'pong' | 'other';

/** Every {@link FrameKind}, for pre-binding metric labels. */
export const FRAME_KINDS: readonly FrameKind[] = [
  'sync_step1',
  'sync_step2',
  'sync_update',
  'awareness',
  'query_awareness',
  'saved',
  'access',
  'ping',
  'pong',
  'other',
];

const SYNC_KINDS: Readonly<Record<number, FrameKind>> = {
  [SyncMessageType.Step1]: 'sync_step1',
  [SyncMessageType.Step2]: 'sync_step2',
  [SyncMessageType.Update]: 'sync_update',
};

/** The kind of `frame`. Types below 128 fit in one varUint byte, so no decoding is needed. */
export function frameKind(frame: Uint8Array): FrameKind {
  switch (frame[0]) {
    case MessageType.Sync:
      return SYNC_KINDS[frame[1] ?? -1] ?? 'other';
    case MessageType.Awareness:
      return 'awareness';
    case MessageType.QueryAwareness:
      return 'query_awareness';
    case MessageType.Saved:
      return 'saved';
    case MessageType.Access:
      return 'access';
    case MessageType.Ping:
      return 'ping';
    case MessageType.Pong:
      return 'pong';
    default:
      return 'other';
  }
}
