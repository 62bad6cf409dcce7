/** The server's frame writers and varuints against lib0's encoder, byte for byte. */
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { MessageType, SyncMessageType } from '../../shared/protocol.js';
import { putVarUint, varUintSize } from '../../server/bytes/var-uint.js';
import { encodeAwarenessFrame, encodeSyncFrame } from '../../server/wire/frames.js';

function lib0(write: (encoder: encoding.Encoder) => void): Buffer {
  const encoder = encoding.createEncoder();
  write(encoder);
  return Buffer.from(encoding.toUint8Array(encoder));
}

const SIZES = [0, 1, 63, 64, 65, 127, 128, 16_383, 16_384, 70_000];
const NUMBERS = [0, 1, 127, 128, 255, 16_383, 16_384, 2 ** 21, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER];

describe('frame writers', () => {
  it('write varuints as lib0 does, in the size they announce', () => {
    for (const n of NUMBERS) {
      const out = Buffer.alloc(varUintSize(n));
      expect(putVarUint(out, 0, n)).toBe(out.length);
      expect(out).toEqual(lib0((encoder) => encoding.writeVarUint(encoder, n)));
    }
  });

  it('write sync and awareness frames as lib0 does, for payloads around every varuint boundary', () => {
    for (const size of SIZES) {
      const payload = Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) & 0xff);
      for (const subtype of [SyncMessageType.Step1, SyncMessageType.Step2, SyncMessageType.Update]) {
        const expected = lib0((encoder) => {
          encoding.writeVarUint(encoder, MessageType.Sync);
          encoding.writeVarUint(encoder, subtype);
          encoding.writeVarUint8Array(encoder, payload);
        });
        expect(Buffer.from(encodeSyncFrame(subtype, payload))).toEqual(expected);
      }
      const expected = lib0((encoder) => {
        encoding.writeVarUint(encoder, MessageType.Awareness);
        encoding.writeVarUint8Array(encoder, payload);
      });
      expect(Buffer.from(encodeAwarenessFrame(payload))).toEqual(expected);
    }
  });
});
