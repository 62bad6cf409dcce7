/**
 * The editor's framework-free versions calls against a real server with auth on: they find the
 * API from the WebSocket URL, send the token (or the token function's result) as a Bearer header,
 * keep a `/` in a document name working, and turn a refusal into a typed error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { stateBlocks } from '../../client/history/version-diff.js';
import { createVersion, fetchVersionState, listVersions, restoreVersion, VersionsApiError, type VersionsTarget } from '../../client/history/versions-client.js';
import { TEST_SECRET, tokenFor } from '../helpers/attack.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('the versions calls of the editor', () => {
  let server: TestServer;
  let writer: string;
  beforeAll(async () => {
    server = await startTestServer({ auth: { kind: 'secret', secret: TEST_SECRET } });
    writer = await tokenFor(['team/*:write'], { subject: 'ada' });
    const seeded = await fetch(`${server.httpUrl}/api/documents/team%2Fplan?format=text`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${writer}` },
      body: 'First draft',
    });
    expect(seeded.status).toBe(201);
  });
  afterAll(() => server?.close());

  it('names, lists, reads and restores versions of a document whose name holds a slash, with a token function', async () => {
    const target: VersionsTarget = { serverUrl: server.wsUrl, documentName: 'team/plan', token: async () => writer };
    const named = await createVersion(target, 'Draft one');
    expect(named).toMatchObject({ label: 'Draft one', kind: 'manual', createdBy: 'ada' });
    expect(stateBlocks(await fetchVersionState(target, named.id))).toEqual(['First draft']);

    const replaced = await fetch(`${server.httpUrl}/api/documents/team%2Fplan?format=text&replace=1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${writer}` },
      body: 'Second draft',
    });
    expect(replaced.status).toBe(200);
    const before = await restoreVersion(target, named.id);
    expect(before.kind).toBe('before-restore');
    const versions = await listVersions(target);
    expect(versions.map((version) => version.id)).toEqual([before.id, named.id]);
    expect(stateBlocks(await fetchVersionState(target, before.id))).toEqual(['Second draft']);

    const now = await fetch(`${server.httpUrl}/api/documents/team%2Fplan?format=yjs`, { headers: { authorization: `Bearer ${writer}` } });
    const doc = new Y.Doc();
    Y.applyUpdate(doc, new Uint8Array(await now.arrayBuffer()));
    expect(stateBlocks(Y.encodeStateAsUpdate(doc))).toEqual(['First draft']);
    doc.destroy();
  });

  it('throws the server refusal as a VersionsApiError: no token, a reader naming a version, an unknown version', async () => {
    const refusal = (promise: Promise<unknown>): Promise<unknown> =>
      promise.then(
        () => 'resolved',
        (error: unknown) => error,
      );
    const anonymous = await refusal(listVersions({ serverUrl: server.wsUrl, documentName: 'team/plan' }));
    expect(anonymous).toBeInstanceOf(VersionsApiError);
    expect(anonymous).toMatchObject({ status: 401, code: 'unauthenticated' });

    const reader = { serverUrl: server.wsUrl, documentName: 'team/plan', token: await tokenFor(['team/*:read']) };
    expect((await listVersions(reader)).length).toBeGreaterThan(0);
    expect(await refusal(createVersion(reader, 'Not mine'))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await refusal(restoreVersion({ ...reader, token: writer }, 'no-such-version'))).toMatchObject({ status: 404, code: 'not_found' });
  });
});
