/**
 * `tandem versions` on a stopped data dir and on a running server: list, --create with a label,
 * --export in a format, and --restore, which keeps what was there as a before-restore version.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../server/cli/admin.js';
import { admin } from '../helpers/admin.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const dirs: string[] = [];
const servers: TestServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(dirs.splice(0).map((dir) => removeTempDir(dir)));
});

async function tempDir(): Promise<string> {
  const dir = await makeTempDir('tandem-cli-versions-');
  dirs.push(dir);
  return dir;
}

const installations: [string, () => Promise<string[]>][] = [
  ['a stopped data dir', async () => ['--data', await tempDir()]],
  [
    'a running server',
    async () => {
      const server = await startTestServer();
      servers.push(server);
      return ['--server', server.httpUrl];
    },
  ],
];

describe.each(installations)('tandem versions on %s', (_, install) => {
  it('creates, lists, exports and restores versions', async () => {
    const flags = await install();
    const file = join(await tempDir(), 'doc.md');
    await writeFile(file, '# Plan\n\nFirst draft');
    expect((await admin('import', 'plan', file, '--format', 'markdown', ...flags)).code).toBe(0);
    const created = await admin('versions', 'plan', '--create', '--label', 'First', '--json', ...flags);
    expect(created.code, created.stderr).toBe(0);
    const first = JSON.parse(created.stdout) as { id: string; label: string; kind: string };
    expect(first).toMatchObject({ label: 'First', kind: 'manual' });

    await writeFile(file, '# Plan\n\nSecond draft');
    expect((await admin('import', 'plan', file, '--format', 'markdown', '--replace', ...flags)).code).toBe(0);
    expect((await admin('versions', 'plan', '--export', first.id, '--format', 'markdown', ...flags)).stdout).toBe('# Plan\n\nFirst draft');

    const restored = await admin('versions', 'plan', '--restore', first.id, ...flags);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toContain(`restored plan to version ${first.id}`);
    expect((await admin('export', 'plan', '--format', 'markdown', ...flags)).stdout).toBe('# Plan\n\nFirst draft');

    const listed = JSON.parse((await admin('versions', 'plan', '--json', ...flags)).stdout) as { versions: { kind: string }[] };
    expect(listed.versions.map((v) => v.kind)).toEqual(['before-restore', 'manual']);
    expect((await admin('versions', 'plan', ...flags)).stdout).toMatch(/^ID\s+KIND\s+CREATED\s+BY\s+BYTES\s+LABEL\n/);
    expect((await admin('versions', 'plan', '--export', 'no-such-version', ...flags)).code).toBe(EXIT_CODES.not_found);
    expect((await admin('versions', 'missing', '--create', ...flags)).code).toBe(EXIT_CODES.not_found);
  });
});

describe.each(installations)('backup and restore on %s', (_, install) => {
  it('carry the versions of each document with their records', async () => {
    const source = await install();
    const file = join(await tempDir(), 'doc.txt');
    await writeFile(file, 'first');
    await admin('import', 'kept', file, '--format', 'text', ...source);
    await admin('versions', 'kept', '--create', '--label', 'One', ...source);
    await writeFile(file, 'second');
    await admin('import', 'kept', file, '--format', 'text', '--replace', ...source);
    const before = JSON.parse((await admin('versions', 'kept', '--json', ...source)).stdout) as { versions: { id: string }[] };
    const backupDir = join(await tempDir(), 'backup');
    expect((await admin('backup', backupDir, ...source)).code).toBe(0);

    const target = await install();
    const restored = await admin('restore', backupDir, ...target);
    expect(restored.code, restored.stderr).toBe(0);
    const after = JSON.parse((await admin('versions', 'kept', '--json', ...target)).stdout) as { versions: { id: string }[] };
    expect(after).toEqual(before);
    const id = before.versions[0]?.id ?? '';
    expect((await admin('versions', 'kept', '--export', id, '--format', 'text', ...target)).stdout).toBe('first');
  });
});

describe('tandem versions', () => {
  it('refuses two actions at once with exit 2', async () => {
    expect((await admin('versions', 'plan', '--create', '--restore', 'x', '--data', await tempDir())).code).toBe(EXIT_CODES.usage);
  });
});
