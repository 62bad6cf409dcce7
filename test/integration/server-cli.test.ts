/**
 * Issue 2, test 9: the CLI. A bad flag or value exits 2 naming it; a data dir held by another
 * server exits 1 with one clear line; SIGTERM closes sockets with 1001 and exits 0 with every
 * write on disk; environment variables stand in for flags.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLevelDbStore } from '../../server/storage/leveldb-store.js';
import { ClientPool, openRaw } from '../helpers/clients.js';
import { runCli, spawnServer, type ChildServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { textOf } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

/** A port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe('cli', () => {
  const pool = new ClientPool();
  const children: ChildServer[] = [];
  const dirs: string[] = [];

  afterEach(async () => {
    pool.destroyAll();
    for (const child of children.splice(0)) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    for (const dir of dirs.splice(0)) await removeTempDir(dir);
  });

  async function tempDir(): Promise<string> {
    const dir = await makeTempDir();
    dirs.push(dir);
    return dir;
  }

  it.each([
    [['--port', 'http'], '--port'],
    [['--port', '70000'], '--port'],
    [['--max-frame-bytes', '-5'], '--max-frame-bytes'],
    [['--log-level', 'loud'], '--log-level'],
    [['--byte-burst', '10'], '--byte-burst'],
    [['--no-such-flag', '1'], '--no-such-flag'],
    [['--port'], '--port'],
    [['frobnicate'], 'frobnicate'],
  ])('%j exits 2 with a message naming %s', async (args, named) => {
    const { code, stderr } = await runCli(args).exited;
    expect(code).toBe(2);
    expect(stderr).toContain(named);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('a bad environment variable exits 2 naming the variable', async () => {
    const { code, stderr } = await runCli(['serve'], { TANDEM_MESSAGES_PER_SECOND: 'many' }).exited;
    expect(code).toBe(2);
    expect(stderr).toContain('TANDEM_MESSAGES_PER_SECOND');
  });

  it('--help lists every flag with its variable and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']).exited;
    expect(code).toBe(0);
    for (const text of ['--port', 'TANDEM_PORT', '--data', 'TANDEM_DATA', '--max-unsent-bytes', 'TANDEM_MAX_UNSENT_BYTES']) {
      expect(stdout).toContain(text);
    }
  });

  it('a second server on a data dir in use exits 1 with one clear line', async () => {
    const dataDir = await tempDir();
    children.push(await spawnServer(dataDir));
    const { code, stderr } = await runCli(['serve', '--port', '0', '--data', dataDir]).exited;
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(`tandem: the data directory ${dataDir} is in use by another Tandem process`);
  });

  it('environment variables configure the server like flags', async () => {
    const dataDir = join(await tempDir(), 'nested');
    const port = await freePort();
    const { process: child, exited, output } = runCli(['serve'], { TANDEM_PORT: String(port), TANDEM_DATA: dataDir });
    await waitFor(() => output().stdout.includes('"listening"'), { message: 'server to listen' });
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect(existsSync(dataDir)).toBe(true);
    child.kill('SIGTERM');
    expect((await exited).code).toBe(0);
  });

  it('SIGTERM closes sockets with 1001, writes everything and exits 0', async () => {
    const dataDir = await tempDir();
    const child = await spawnServer(dataDir);
    children.push(child);
    const writer = await pool.connectSynced(child.wsUrl, 'doc');
    const watcher = await openRaw(`${child.wsUrl}/doc`);
    const text = writer.doc.getText('text');
    for (let i = 0; i < 100; i++) text.insert(text.length, 'k');
    await waitFor(() => watcher.received.length >= 2, { message: 'watcher to receive edits' });
    writer.provider.disconnect();
    child.process.kill('SIGTERM');
    expect((await watcher.closed).code).toBe(1001);
    const exit = await child.exited;
    expect(exit.code).toBe(0);
    const store = await openLevelDbStore(dataDir);
    try {
      expect(textOf(await store.load('doc'))).toBe(text.toString());
    } finally {
      await store.close();
    }
  });
});
