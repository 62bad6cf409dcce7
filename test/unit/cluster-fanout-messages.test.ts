import { describe, expect, it } from 'vitest';
import { FanOutKind, decodeFanOutMessage, encodeFanOutMessage, type FanOutMessage } from '../../server/cluster/fanout-messages.js';

describe('fan-out messages', () => {
  const messages: FanOutMessage[] = [
    { kind: FanOutKind.Update, from: 'instance-a', update: new Uint8Array([1, 2, 3]) },
    { kind: FanOutKind.Awareness, from: 'b', connectionId: 70_000, payload: new Uint8Array([0]) },
    { kind: FanOutKind.SyncRequest, from: 'c', stateVector: new Uint8Array([0]), answer: true },
    { kind: FanOutKind.SyncRequest, from: 'c', stateVector: new Uint8Array([1, 5, 9]), answer: false },
  ];

  it.each(messages)('a message of kind $kind decodes to what was encoded', (message) => {
    expect(decodeFanOutMessage(encodeFanOutMessage(message))).toEqual(message);
  });

  it('bytes of an unknown kind are refused rather than misread', () => {
    expect(() => decodeFanOutMessage(new Uint8Array([9, 1, 97]))).toThrow(/unknown fan-out message kind/);
  });

  it('truncated bytes are refused', () => {
    const bytes = encodeFanOutMessage(messages[0]!);
    expect(() => decodeFanOutMessage(bytes.subarray(0, bytes.length - 2))).toThrow();
  });
});
