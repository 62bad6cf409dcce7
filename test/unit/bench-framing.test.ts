import * as prng from 'lib0/prng';
import { Server } from '@hocuspocus/server';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchDocument } from '../../bench/fetch-document.js';
import { framingFor } from '../../bench/framing.js';
import { syncStep1Frame, updateFrame, EMPTY_STATE_VECTOR } from '../../bench/frames.js';
import { Ledger } from '../../bench/ledger.js';
import { LoadClient } from '../../bench/load-client.js';
import { textOf, typeUpdates } from '../../bench/typing.js';
import { waitFor } from '../helpers/wait-for.js';

describe('bench framing', () => {
  it('leaves y-websocket messages bare', () => {
    const framing = framingFor('y-websocket', 'ws://127.0.0.1:1/doc');
    const message = syncStep1Frame(EMPTY_STATE_VECTOR);
    expect(framing.opening).toEqual([]);
    expect(framing.wrap(message)).toBe(message);
    expect(framing.unwrap(message)).toBe(message);
  });

  it('puts the document name in front of every Hocuspocus message and takes it off again', () => {
    const framing = framingFor('hocuspocus', 'ws://127.0.0.1:1/report%20q3?x=1');
    const message = syncStep1Frame(EMPTY_STATE_VECTOR);
    const wrapped = framing.wrap(message);
    // varString: length 9, then 'report q3'.
    expect([...wrapped.subarray(0, 10)]).toEqual([9, ...new TextEncoder().encode('report q3')]);
    expect([...framing.unwrap(wrapped)]).toEqual([...message]);
    // The auth message first: [document, Auth = 2, Token = 0, token ''].
    expect(framing.opening.map((frame) => [...framing.unwrap(frame)])).toEqual([[2, 0, 0]]);
  });

  describe('against a real Hocuspocus server', () => {
    let server: Server | null = null;
    afterEach(async () => {
      await server?.destroy();
      server = null;
    });

    it("delivers a writer's keystrokes to a peer, and a fresh reader gets the whole text", async () => {
      server = new Server({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: false });
      await server.listen();
      const url = `ws://127.0.0.1:${server.address.port}/framed`;
      const framing = framingFor('hocuspocus', url);
      const ledger = new Ledger();
      const clients = [1, 2].map((clientId) => {
        const { updates } = typeUpdates({ clientId, updates: 20 }, prng.create(clientId));
        const client = new LoadClient({
          url,
          framing,
          clientId,
          updates,
          frames: updates.map((update) => framing.wrap(updateFrame(update))),
          awarenessStates: [JSON.stringify({ user: { name: `W${clientId}` } })],
          ledger,
        });
        ledger.addWriter(client);
        return client;
      });
      try {
        for (const client of clients) await client.join(true);
        for (const client of clients) {
          client.sendAwareness();
          while (client.sendEdit()) {
            // Every precomputed keystroke, at once.
          }
        }
        await waitFor(() => ledger.missing(clients[0]!, clients[1]!) === 0 && ledger.missing(clients[1]!, clients[0]!) === 0, {
          timeout: 10_000,
          message: 'both writers have all keystrokes of the other',
        });
        expect(ledger.skipped).toBe(0);
        const expected = textOf(clients.flatMap((client) => client.sentUpdates()));
        expect(textOf([await fetchDocument(url, { protocol: 'hocuspocus' })])).toBe(expected);
      } finally {
        await Promise.all(clients.map((client) => client.close()));
      }
    });
  });
});
