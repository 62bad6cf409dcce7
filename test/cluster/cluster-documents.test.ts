/**
 * `documents.open` in cluster mode: a handle on one instance edits a document that clients of
 * another instance have open, and sees their edits, through Redis and the shared PostgreSQL.
 */
import { describe, it } from 'vitest';
import { ClientPool } from '../helpers/clients.js';
import { textOf } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';
import { useCluster } from './cluster-setup.js';

const pool = new ClientPool();
const cluster = useCluster(() => pool.destroyAll());

describe('documents.open across instances', () => {
  it('a handle on instance a and a client on instance b see each other’s edits', async () => {
    const db = await cluster().database();
    const [a, b] = await Promise.all([cluster().instance(db, 'a'), cluster().instance(db, 'b')]);
    const onB = await pool.connectSynced(b.wsUrl, 'shared');
    onB.doc.getText('t').insert(0, 'from b');
    const handle = await a.documents.open('shared');
    await waitFor(() => handle.doc.getText('t').toString() === 'from b', { message: 'the handle on a to hold the edit from b' });
    await handle.transact((doc) => doc.getText('t').insert(6, ', from the server on a'));
    await waitFor(() => onB.doc.getText('t').toString() === 'from b, from the server on a', { message: 'the client on b to see the server edit' });
    await waitFor(async () => textOf(await cluster().stored(db, 'shared'), 't') === 'from b, from the server on a', { message: 'the edit in PostgreSQL' });
    await handle.close();
  });
});
