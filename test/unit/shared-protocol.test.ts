import { describe, expect, it } from 'vitest';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { MessageType, encodePing, encodePong, encodeSaved, isUpdateFrame, readSaved } from '../../shared/protocol.js';
import { documentNameFromPath, isValidDocumentName } from '../../shared/document-name.js';
import { isHexColor, isPresencePointer, isPresenceUser } from '../../shared/presence.js';
import { CloseCode, closeReason } from '../../shared/close-codes.js';

function syncFrame(write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageType.Sync);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

describe('shared protocol', () => {
  it('round-trips a Saved message for counts small and large', () => {
    for (const count of [0, 1, 127, 128, 2 ** 31]) {
      const decoder = decoding.createDecoder(encodeSaved(count));
      expect(decoding.readVarUint(decoder)).toBe(MessageType.Saved);
      expect(readSaved(decoder)).toBe(count);
      expect(decoding.hasContent(decoder)).toBe(false);
    }
  });

  it('encodes a Ping and a Pong as their message type and nothing else, neither of them update-bearing', () => {
    for (const [frame, type] of [
      [encodePing(), MessageType.Ping],
      [encodePong(), MessageType.Pong],
    ] as const) {
      const decoder = decoding.createDecoder(frame);
      expect(decoding.readVarUint(decoder)).toBe(type);
      expect(decoding.hasContent(decoder)).toBe(false);
      expect(isUpdateFrame(frame)).toBe(false);
    }
  });

  it('recognises step 2 and update frames as update-bearing, and step 1 and awareness as not', () => {
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x');
    const update = Y.encodeStateAsUpdate(doc);
    expect(isUpdateFrame(syncFrame((e) => syncProtocol.writeUpdate(e, update)))).toBe(true);
    expect(isUpdateFrame(syncFrame((e) => syncProtocol.writeSyncStep2(e, doc)))).toBe(true);
    expect(isUpdateFrame(syncFrame((e) => syncProtocol.writeSyncStep1(e, doc)))).toBe(false);
    expect(isUpdateFrame(Uint8Array.of(MessageType.Awareness, 0))).toBe(false);
    expect(isUpdateFrame(new Uint8Array())).toBe(false);
    doc.destroy();
  });

  it('accepts ordinary document names and refuses path tricks', () => {
    for (const name of ['notes', 'team/plan-2026', 'a.b_c~d@e:f+g', 'x'.repeat(200)]) {
      expect(isValidDocumentName(name), name).toBe(true);
    }
    for (const name of ['', '..', 'a/../b', '/abs', 'trail/', 'a//b', 'sp ace', 'nul\0', 'x'.repeat(201), 'ünï']) {
      expect(isValidDocumentName(name), JSON.stringify(name)).toBe(false);
    }
  });

  it('decodes document names from request paths, refusing malformed escapes', () => {
    expect(documentNameFromPath('/team%2Fplan')).toBe('team/plan');
    expect(documentNameFromPath('/team/plan')).toBe('team/plan');
    expect(documentNameFromPath('/%E0%A4%A')).toBeNull();
    expect(documentNameFromPath('/%2E%2E')).toBeNull();
    expect(documentNameFromPath('/')).toBeNull();
  });

  it('validates presence fields', () => {
    expect(isHexColor('#a1B2c3')).toBe(true);
    expect(isHexColor('red')).toBe(false);
    expect(isHexColor('#abc')).toBe(false);
    expect(isPresenceUser({ name: 'Ada', color: '#000000' })).toBe(true);
    expect(isPresenceUser({ name: '', color: '#000000' })).toBe(false);
    expect(isPresenceUser({ name: 'Ada', color: 'blue' })).toBe(false);
    expect(isPresencePointer({ x: 1.5, y: -2 })).toBe(true);
    expect(isPresencePointer({ x: Number.NaN, y: 0 })).toBe(false);
  });

  it('gives every close code a reason that fits in a close frame', () => {
    for (const code of Object.values(CloseCode)) {
      expect(new TextEncoder().encode(closeReason[code]).length).toBeLessThanOrEqual(123);
    }
  });
});
