/**
 * Presence crosses instances: a client on one instance sees the carets and names of clients on
 * another, and loses them when those clients leave or their instance dies (SIGKILL), the latter
 * within the liveness bound (the key's time to live plus one check).
 */
import { describe, expect, it } from 'vitest';
import { ClientPool, type TestClient } from '../helpers/clients.js';
import { waitFor } from '../helpers/wait-for.js';
import { useCluster } from './cluster-setup.js';

const pool = new ClientPool();
const cluster = useCluster(() => pool.destroyAll());

/** The name `observer` sees for `other`'s presence, or undefined when it sees none. */
function seenName(observer: TestClient, other: TestClient): string | undefined {
  const state = observer.provider.awareness.getStates().get(other.doc.clientID) as { user?: { name: string } } | undefined;
  return state?.user?.name;
}

describe('presence across instances', () => {
  it('a client sees the presence of a client on another instance, and it disappears when that client leaves', async () => {
    const db = await cluster().database();
    const [a, b] = await Promise.all([cluster().instance(db, 'a'), cluster().instance(db, 'b')]);
    const ann = await pool.connectSynced(a.wsUrl, 'carets');
    const bob = await pool.connectSynced(b.wsUrl, 'carets');
    ann.provider.awareness.setLocalStateField('user', { name: 'Ann', color: '#ff0000' });
    bob.provider.awareness.setLocalStateField('user', { name: 'Bob', color: '#0000ff' });
    await waitFor(() => seenName(bob, ann) === 'Ann' && seenName(ann, bob) === 'Bob', { message: 'each to see the other across instances' });
    ann.destroy();
    await waitFor(() => seenName(bob, ann) === undefined, { timeout: 3_000, message: "Ann's presence to disappear on instance b" });
  });

  it('a client joining later on a third instance sees the presence already there', async () => {
    const db = await cluster().database();
    const [a, b, c] = await Promise.all([cluster().instance(db, 'a'), cluster().instance(db, 'b'), cluster().instance(db, 'c')]);
    const ann = await pool.connectSynced(a.wsUrl, 'late');
    const bob = await pool.connectSynced(b.wsUrl, 'late');
    ann.provider.awareness.setLocalStateField('user', { name: 'Ann', color: '#ff0000' });
    bob.provider.awareness.setLocalStateField('user', { name: 'Bob', color: '#0000ff' });
    await waitFor(() => seenName(bob, ann) === 'Ann', { message: 'Bob to see Ann' });
    const cid = await pool.connectSynced(c.wsUrl, 'late');
    await waitFor(() => seenName(cid, ann) === 'Ann' && seenName(cid, bob) === 'Bob', { message: 'the late client to see both' });
  });

  it('the presence of clients of an instance killed with SIGKILL disappears from the others within the liveness bound', async () => {
    const db = await cluster().database();
    const a = await cluster().instance(db, 'a');
    const doomed = await cluster().child(db, 'doomed');
    const ann = await pool.connectSynced(a.wsUrl, 'kill');
    const zed = await pool.connectSynced(doomed.wsUrl, 'kill');
    zed.provider.awareness.setLocalStateField('user', { name: 'Zed', color: '#00ff00' });
    await waitFor(() => seenName(ann, zed) === 'Zed', { message: 'Ann to see Zed across instances' });
    doomed.process.kill('SIGKILL');
    await doomed.exited;
    const killedAt = Date.now();
    // The child renews a 3 s key every second; the survivor checks every 250 ms.
    await waitFor(() => seenName(ann, zed) === undefined, { timeout: 6_000, message: "Zed's presence to disappear after the kill" });
    expect(Date.now() - killedAt).toBeLessThan(6_000);
  });
});
