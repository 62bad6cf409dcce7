/**
 * Issue 4, identity: with auth on, the name (and colour, when the token has one) that others see
 * in a client's presence is the token's, whatever the client claims; and no connection can change
 * or remove the presence of a client id another connection introduced.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '../../shared/close-codes.js';
import { Arena, TEST_SECRET, serverAnswers, startBystanders, tokenFor } from '../helpers/attack.js';
import type { TestClient } from '../helpers/clients.js';
import { awareness } from '../helpers/frames.js';
import type { TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

const DOC = 'team-notes';

type State = { user?: { name?: unknown; color?: unknown }; [field: string]: unknown };

function stateOf(watcher: TestClient, clientId: number): State | undefined {
  return watcher.provider.awareness.getStates().get(clientId) as State | undefined;
}

describe('identity stamping', () => {
  const arena = new Arena();
  const { pool } = arena;
  let server: TestServer;

  afterEach(() => arena.cleanup());

  async function connect(name: string, color?: string): Promise<TestClient> {
    const token = await tokenFor(['team-*:write'], { subject: name.toLowerCase(), name, ...(color === undefined ? {} : { color }) });
    return pool.connectSynced(server.wsUrl, DOC, { params: { token } });
  }

  it('shows the token name and colour to others, not the ones a client claims', async () => {
    server = await arena.start({ auth: { kind: 'secret', secret: TEST_SECRET } });
    const bystanders = await startBystanders(pool, server.wsUrl, DOC, { token: await tokenFor(['team-*:write']) });
    const alice = await connect('Alice', '#112233');
    const mallory = await connect('Mallory', '#aa0000');
    const watcher = bystanders.reader;
    alice.provider.awareness.setLocalState({ user: { name: 'Alice', color: '#112233' }, cursor: null });
    mallory.provider.awareness.setLocalState({ user: { name: 'Alice', color: '#112233' }, cursor: null, pointer: { x: 1, y: 2 } });
    await waitFor(() => stateOf(watcher, mallory.doc.clientID)?.user?.name === 'Mallory', { message: "Mallory's presence under her own name" });
    expect(stateOf(watcher, mallory.doc.clientID)).toEqual({ user: { name: 'Mallory', color: '#aa0000' }, cursor: null, pointer: { x: 1, y: 2 } });
    await waitFor(() => stateOf(watcher, alice.doc.clientID)?.user?.name === 'Alice', { message: "Alice's presence" });

    // A later change is stamped too, and a state with no user at all gets one.
    mallory.provider.awareness.setLocalState({ pointer: { x: 5, y: 5 } });
    await waitFor(() => (stateOf(watcher, mallory.doc.clientID)?.pointer as { x?: number } | undefined)?.x === 5, { message: 'the later change' });
    expect(stateOf(watcher, mallory.doc.clientID)?.user).toEqual({ name: 'Mallory', color: '#aa0000' });
    expect(await serverAnswers(server.httpUrl)).toBe(true);
    await bystanders.carryOn();
  });

  it('keeps the colour a client chose when its token has none, and names it by its subject when the token has no name', async () => {
    server = await arena.start({ auth: { kind: 'secret', secret: TEST_SECRET } });
    const watcher = await connect('Watcher');
    const anonymous = await pool.connectSynced(server.wsUrl, DOC, { params: { token: await tokenFor(['team-*:write'], { subject: 'user-42' }) } });
    anonymous.provider.awareness.setLocalState({ user: { name: 'The Admin', color: '#00ff00' } });
    await waitFor(() => stateOf(watcher, anonymous.doc.clientID)?.user?.name === 'user-42', { message: 'the presence named by subject' });
    expect(stateOf(watcher, anonymous.doc.clientID)?.user).toEqual({ name: 'user-42', color: '#00ff00' });
  });

  it('closes a connection whose presence state is not a JSON object with 4400, in auth mode', async () => {
    server = await arena.start({ auth: { kind: 'secret', secret: TEST_SECRET } });
    const bystanders = await startBystanders(pool, server.wsUrl, DOC, { token: await tokenFor(['team-*:write']) });
    const attacker = await arena.raw(`${DOC}?token=${await tokenFor(['team-*:write'])}`);
    attacker.send(awareness([{ clientId: 31337, clock: 1, state: '[1,2,3]' }]));
    expect((await attacker.closed).code).toBe(CloseCode.BadMessage);
    await bystanders.carryOn();
  });

  it("ignores presence updates for another connection's client id, and removals of it", async () => {
    server = await arena.start({ auth: { kind: 'secret', secret: TEST_SECRET } });
    const bystanders = await startBystanders(pool, server.wsUrl, DOC, { token: await tokenFor(['team-*:write']) });
    const victim = await connect('Victim', '#0000ff');
    victim.provider.awareness.setLocalState({ user: { name: 'Victim', color: '#0000ff' }, cursor: null });
    const watcher = bystanders.reader;
    await waitFor(() => stateOf(watcher, victim.doc.clientID) !== undefined, { message: "the victim's presence" });
    const before = stateOf(watcher, victim.doc.clientID);

    const attacker = await arena.raw(`${DOC}?token=${await tokenFor(['team-*:write'], { name: 'Mallory' })}`);
    const victimId = victim.doc.clientID;
    attacker.send(
      awareness([{ clientId: victimId, clock: 1_000_000, state: JSON.stringify({ user: { name: 'Victim', color: '#0000ff' }, cursor: 'hijacked' }) }]),
    );
    attacker.send(awareness([{ clientId: victimId, clock: 1_000_001, state: 'null' }]));
    // The attacker's own state, sent after both: once it shows, both were handled.
    attacker.send(awareness([{ clientId: 4242, clock: 1, state: JSON.stringify({ marker: true }) }]));
    await waitFor(() => stateOf(watcher, 4242)?.marker === true, { message: "the attacker's own presence" });
    expect(stateOf(watcher, 4242)?.user).toEqual({ name: 'Mallory' });
    expect(stateOf(watcher, victimId)).toEqual(before);
    expect(attacker.socket.readyState).toBe(attacker.socket.OPEN);
    await bystanders.carryOn();
  });
});
