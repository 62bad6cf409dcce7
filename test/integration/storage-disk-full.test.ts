/**
 * A data directory on a file system that fills up and empties again (a real tmpfs, mounted for
 * the test): the store turns failing, `/readyz` says so with the reason, clients are told to come
 * back later, and once space returns the store heals by itself, with no restart, and every edit
 * a stock client made is stored. Mounting needs root (CAP_SYS_ADMIN); where the machine refuses
 * it, the test says so and is skipped.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientPool } from '../helpers/clients.js';
import { readMetric, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait-for.js';

/** Mounts an 8 MiB tmpfs on a new folder. */
function mountSmallDisk(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-small-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch (error) {
    rmdirSync(dir);
    throw error;
  }
}

function unmount(dir: string): void {
  execFileSync('umount', [dir]);
  rmdirSync(dir);
}

/** Whether this machine lets the test mount a tmpfs; says why not when it does not. */
function canMount(): boolean {
  try {
    unmount(mountSmallDisk());
    return true;
  } catch (error) {
    console.warn(`disk-full test skipped: cannot mount a tmpfs here (${error instanceof Error ? error.message : String(error)})`);
    return false;
  }
}

/** Writes zeros to `path` until the file system is full. */
function fillUp(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!canMount())('a data directory whose disk fills up and empties', () => {
  const pool = new ClientPool();
  let server: TestServer | null = null;
  let disk = '';

  beforeEach(() => {
    disk = mountSmallDisk();
  });

  afterEach(async () => {
    pool.destroyAll();
    await server?.close();
    server = null;
    unmount(disk);
  });

  it('reports failing on /readyz while the disk is full, heals without a restart, and keeps every edit of a stock client', async () => {
    const dataDir = join(disk, 'data');
    server = await startTestServer({ dataDir });
    const { httpUrl, wsUrl } = server;
    const writer = await pool.connectSynced(wsUrl, 'notes');
    const text = writer.doc.getText('text');
    text.insert(0, 'before the disk filled. ');

    const filler = join(disk, 'filler');
    fillUp(filler);
    // Edits while the disk is full, large enough that no half-used page of a file can take them.
    for (let i = 0; i < 5; i++) text.insert(text.length, `while full ${i}: ${'x'.repeat(8 * 1024)} `);
    const notReady = await waitFor(
      async () => {
        const response = await fetch(`${httpUrl}/readyz`);
        return response.status === 503 ? response.text() : null;
      },
      { message: '/readyz to answer 503' },
    );
    expect(notReady).toMatch(/storage failing: .*ENOSPC/);
    expect(await readMetric(httpUrl, 'tandem_storage_healthy')).toBe(0);
    // Loads that cannot succeed yet tell the client to come back later.
    await waitFor(async () => (await readMetric(httpUrl, 'tandem_connection_closes_total', { code: '1013' })) > 0, {
      message: 'a reconnecting client told to try again later',
    });
    text.insert(text.length, 'still offline. ');

    rmSync(filler);
    await waitFor(async () => (await fetch(`${httpUrl}/readyz`)).status === 200, { timeout: 15_000, message: '/readyz to answer 200 again' });
    expect(await readMetric(httpUrl, 'tandem_storage_healthy')).toBe(1);
    text.insert(text.length, 'after space came back.');
    const expected = text.toString();

    // What the server stored, read back after a restart so that only the disk can answer.
    await waitFor(
      async () => {
        const reader = await pool.connectSynced(wsUrl, 'notes');
        const got = reader.doc.getText('text').toString();
        reader.destroy();
        return got === expected;
      },
      { timeout: 15_000, message: 'every edit on the server' },
    );
    await server.restart();
    const reader = await pool.connectSynced(server.wsUrl, 'notes');
    expect(reader.doc.getText('text').toString()).toBe(expected);
  });
});
