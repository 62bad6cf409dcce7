/**
 * Version history in cluster mode: two instances whose clients edit one document in the same slice
 * of the clock write one automatic version between them, and a restore through one instance
 * reaches the clients of both.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_DEFAULTS } from '../../server/api/webhooks.js';
import { ClientPool } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait-for.js';
import { useCluster } from './cluster-setup.js';

const pool = new ClientPool();
const cluster = useCluster(() => pool.destroyAll());

interface Version {
  id: string;
  kind: string;
}

async function versionsOf(httpUrl: string, name: string): Promise<Version[]> {
  return ((await (await fetch(`${httpUrl}/api/documents/${name}/versions`)).json()) as { versions: Version[] }).versions;
}

describe('versions across instances', () => {
  it('two instances editing one document in one slice write one automatic version between them', async () => {
    // Each instance reports the versions it takes to this receiver.
    const events: { type: string; version: Version }[] = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        events.push(JSON.parse(body) as { type: string; version: Version });
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
      const interval = 2_000;
      const options = { versionIntervalMs: interval, webhook: { ...WEBHOOK_DEFAULTS, url, secret: null, debounceMs: 60_000, maxWaitMs: 60_000 } };
      const db = await cluster().database();
      const [a, b] = await Promise.all([cluster().instance(db, 'a', undefined, options), cluster().instance(db, 'b', undefined, options)]);
      const onA = await pool.connectSynced(a.wsUrl, 'shared');
      const onB = await pool.connectSynced(b.wsUrl, 'shared');
      // Edit early in a slice, so that both edits are stored in the same one.
      await waitFor(() => Date.now() % interval < 200, { interval: 5, message: 'the start of a slice' });
      onA.doc.getText('t').insert(0, 'from a ');
      onB.doc.getText('t').insert(0, 'from b ');
      await waitFor(() => events.filter((event) => event.type === 'version.created').length >= 2, {
        timeout: 15_000,
        message: 'both instances to take their version',
      });
      const taken = events.filter((event) => event.type === 'version.created').map((event) => event.version.id);
      expect(new Set(taken).size, JSON.stringify(events)).toBe(1);
      const stored = (await versionsOf(a.httpUrl, 'shared')).filter((v) => v.kind === 'auto');
      expect(stored.map((v) => v.id)).toEqual([taken[0]]);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });

  it('a restore through one instance reaches the clients of the other', async () => {
    const db = await cluster().database();
    const [a, b] = await Promise.all([cluster().instance(db, 'a'), cluster().instance(db, 'b')]);
    expect((await fetch(`${a.httpUrl}/api/documents/plan?format=text`, { method: 'PUT', body: 'the old plan' })).status).toBe(201);
    const version = (await (await fetch(`${a.httpUrl}/api/documents/plan/versions`, { method: 'POST' })).json()) as Version;
    const onB = await pool.connectSynced(b.wsUrl, 'plan');
    const text = () => onB.doc.getXmlFragment('default').toString();
    await waitFor(() => text().includes('the old plan'), { message: 'b to hold the document' });
    expect((await fetch(`${b.httpUrl}/api/documents/plan?format=text&replace=1`, { method: 'PUT', body: 'the new plan' })).status).toBe(200);
    await waitFor(() => text().includes('the new plan'), { message: 'b to see the replacement' });
    expect((await fetch(`${a.httpUrl}/api/documents/plan/versions/${version.id}/restore`, { method: 'POST' })).status).toBe(200);
    await waitFor(() => text().includes('the old plan') && !text().includes('new'), { message: 'the client of b to see the restore made through a' });
    expect((await versionsOf(b.httpUrl, 'plan')).map((v) => v.kind)).toEqual(['before-restore', 'manual']);
  });
});
