/**
 * What only the LevelDB store promises: one process per folder, acknowledged appends surviving
 * kill -9 (from its journal), and everything it stored coming back after a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { damagedJournals, JournalWriter } from '../../server/storage/journal.js';
import { journalRecordOf, openLevelDbStore, type JournalDamageReport } from '../../server/storage/leveldb-store.js';
import type { DocumentMeta, LogWrite } from '../../server/storage/log-backend.js';
import { StoreLockedError, type DocumentStore } from '../../server/storage/store.js';
import { closeStores } from '../helpers/stores.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { textOf, textUpdate } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const storeModule = resolve(root, 'server/storage/leveldb-store.ts');

/** Holds the store open until its stdin closes. */
const HOLD_OPEN = `
const { openLevelDbStore } = await import(${JSON.stringify(storeModule)});
const store = await openLevelDbStore(process.argv[1]);
process.stdout.write('ready\\n');
process.stdin.resume();
process.stdin.on('end', () => store.close());
`;

/**
 * Appends "0,", "1,", "2,"... to one Y.Text forever, ten updates per tick, printing each number
 * once its append resolved.
 */
const APPEND_FOREVER = `
const { openLevelDbStore } = await import(${JSON.stringify(storeModule)});
const Y = await import('yjs');
const store = await openLevelDbStore(process.argv[1]);
const doc = new Y.Doc();
const text = doc.getText('text');
let next = 0;
for (;;) {
  const acks = [];
  for (let i = 0; i < 10; i++) {
    const n = next++;
    let update;
    doc.once('update', (u) => (update = u));
    text.insert(text.length, n + ',');
    acks.push(store.append('log', update).then(() => process.stdout.write(n + '\\n')));
  }
  await Promise.all(acks);
}
`;

function spawnChild(script: string, dir: string): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  return { child, lines };
}

describe('the LevelDB store', () => {
  let dir: string;
  let opened: DocumentStore[];
  let children: ChildProcess[];

  beforeEach(async () => {
    dir = await makeTempDir('tandem-leveldb-');
    opened = [];
    children = [];
  });

  afterEach(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    await closeStores(opened);
    await removeTempDir(dir);
  });

  async function openStore(options?: Parameters<typeof openLevelDbStore>[1]): Promise<DocumentStore> {
    const store = await openLevelDbStore(dir, options);
    opened.push(store);
    return store;
  }

  function startChild(script: string): { child: ChildProcess; lines: string[] } {
    const started = spawnChild(script, dir);
    children.push(started.child);
    return started;
  }

  it('creates its folder, nested, when it does not exist', async () => {
    const nested = resolve(dir, 'a/b/data');
    const store = await openLevelDbStore(nested);
    opened.push(store);
    await store.append('doc', textUpdate('here'));
    expect(textOf(await store.load('doc'))).toBe('here');
  });

  it('refuses a second open of the same folder in this process with StoreLockedError', async () => {
    await openStore();
    const second = openLevelDbStore(dir);
    await expect(second).rejects.toBeInstanceOf(StoreLockedError);
    await expect(second).rejects.toThrow(dir);
  });

  it('refuses to open a folder another process holds, and opens it once that process let go', async () => {
    const { child, lines } = startChild(HOLD_OPEN);
    await waitFor(() => lines.includes('ready'), { message: 'the child process to open the store' });
    await expect(openLevelDbStore(dir)).rejects.toBeInstanceOf(StoreLockedError);

    child.stdin!.end();
    await once(child, 'exit');
    const store = await openStore();
    expect(await store.list()).toEqual([]);
  });

  it('keeps every acknowledged append when the writing process is killed with SIGKILL', async () => {
    const { child, lines } = startChild(APPEND_FOREVER);
    await waitFor(() => lines.length >= 500, { message: '500 acknowledged appends' });
    child.kill('SIGKILL');
    await once(child, 'exit');
    const acknowledged = Math.max(...lines.map(Number));

    const store = await openStore();
    const numbers = textOf(await store.load('log'))!
      .split(',')
      .filter(Boolean)
      .map(Number);
    expect(numbers.length).toBeGreaterThan(acknowledged);
    expect(numbers).toEqual(numbers.map((_, i) => i));
  });

  it('finds after a restart everything it stored, with the same info', async () => {
    const first = await openStore();
    await first.append('a', textUpdate('alpha'));
    await first.append('b', textUpdate('beta'));
    await first.append('b', textUpdate('more'));
    await first.delete('a');
    await first.append('c', textUpdate('gamma'));
    const listed = await first.list();
    await first.close();

    const second = await openStore();
    expect(await second.list()).toEqual(listed);
    expect(await second.load('a')).toBeNull();
    expect(textOf(await second.load('c'))).toBe('gamma');
    await second.append('b', textUpdate('after restart'));
    expect(await second.info('b')).toMatchObject({ updates: 3 });
  });

  it('compacts in the background a long log it finds when loading after a restart', async () => {
    const first = await openStore({ compactAfterUpdates: Infinity });
    for (let i = 0; i < 40; i++) await first.append('doc', textUpdate(`${i}`));
    await first.close();

    const second = await openStore({ compactAfterUpdates: 10 });
    const before = await second.load('doc');
    await waitFor(async () => (await second.info('doc'))!.updates === 1, { message: 'the compaction started by load' });
    expect(Y.encodeStateVectorFromUpdate((await second.load('doc'))!)).toEqual(Y.encodeStateVectorFromUpdate(before!));
  });

  describe('journal', () => {
    const journalFiles = () => readdirSync(dir).filter((name) => name.startsWith('tandem-journal.'));

    /** Writes journal files numbered 1, 2... holding one record per group of writes. */
    function writeJournal(...files: LogWrite[][][]): string[] {
      const writer = new JournalWriter(dir, 0);
      files.forEach((groups, i) => {
        for (const writes of groups) writer.append(journalRecordOf(writes));
        if (i < files.length - 1) writer.rotate();
      });
      writer.close(false);
      return journalFiles().sort();
    }

    /** Updates that type `texts` one after another at the end of one Y.Text. */
    function typed(...texts: string[]): Uint8Array[] {
      const doc = new Y.Doc();
      const updates: Uint8Array[] = [];
      doc.on('update', (update: Uint8Array) => updates.push(update));
      for (const text of texts) doc.getText('text').insert(doc.getText('text').length, text);
      doc.destroy();
      return updates;
    }

    const meta = (updates: number, bytes: number): DocumentMeta => ({ nextSeq: updates, bytes, updates, updatedAt: 1, compactedBytes: 0 });
    const [one = textUpdate('one'), two = textUpdate('two')] = typed('one', ' two');
    const appendOne: LogWrite[] = [
      { type: 'put', name: 'x', seq: 0, update: one },
      { type: 'meta', name: 'x', meta: meta(1, one.length) },
    ];

    it('answers reads from writes still in the journal, and moves them to LevelDB on close', async () => {
      const [alpha = one, more = two] = typed('alpha', ' and more');
      const first = await openStore({ journalApplyMs: 60_000 });
      await first.append('a', alpha);
      expect(readFileSync(`${dir}/${journalFiles()[0]}`).length).toBeGreaterThan(0);
      expect(textOf(await first.load('a'))).toBe('alpha');
      await first.append('a', more);
      expect(await first.info('a')).toMatchObject({ updates: 2 });
      await first.close();
      expect(journalFiles()).toEqual([]);

      const second = await openStore({ journalApplyMs: 60_000 });
      expect(textOf(await second.load('a'))).toBe('alpha and more');
    });

    it('replays journal files oldest first, so a later delete wins over an earlier put, and removes them', async () => {
      writeJournal(
        [appendOne],
        [
          [
            { type: 'put', name: 'x', seq: 1, update: two },
            { type: 'meta', name: 'x', meta: meta(2, one.length + two.length) },
          ],
        ],
        [
          [
            { type: 'put', name: 'y', seq: 0, update: one },
            { type: 'meta', name: 'y', meta: meta(1, one.length) },
          ],
          [
            { type: 'del', name: 'y', seq: 0 },
            { type: 'meta', name: 'y', meta: null },
          ],
        ],
      );
      expect(journalFiles()).toHaveLength(3);
      const store = await openStore();
      expect(journalFiles()).toHaveLength(1); // the new one appends go to
      expect(textOf(await store.load('x'))).toBe('one two');
      expect(await store.info('x')).toMatchObject({ updates: 2 });
      expect(await store.load('y')).toBeNull();
      expect((await store.list()).map((info) => info.name)).toEqual(['x']);
    });

    it('keeps the intact records around a torn or corrupt one, reports where the damage is, and keeps the damaged files aside', async () => {
      const appendTo = (name: string): LogWrite[] => [
        { type: 'put', name, seq: 0, update: one },
        { type: 'meta', name, meta: meta(1, one.length) },
      ];
      const [torn = '', corrupt = '', extra = ''] = writeJournal([appendOne], [appendTo('z')], [appendTo('w')]);
      // A record cut short by a power loss: its header promises more than the file holds.
      const tornAt = readFileSync(`${dir}/${torn}`).length;
      appendFileSync(`${dir}/${torn}`, Buffer.from([0, 0, 0, 99, 1, 2, 3, 4, 5]));
      // A record whose last byte changed after its CRC was written, then an intact one.
      const bytes = readFileSync(`${dir}/${corrupt}`);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
      const damaged = Buffer.concat([bytes, readFileSync(`${dir}/${extra}`)]);
      writeFileSync(`${dir}/${corrupt}`, damaged);
      rmSync(`${dir}/${extra}`);

      const reports: JournalDamageReport[] = [];
      const store = await openStore({ onJournalDamage: (report) => reports.push(report) });
      expect(textOf(await store.load('x'))).toBe('one');
      expect(await store.load('z')).toBeNull();
      expect(textOf(await store.load('w'))).toBe('one');
      expect(reports.map(({ file, damage }) => ({ file, damage }))).toEqual([
        { file: `${dir}/${torn}`, damage: [{ offset: tornAt, bytes: 9 }] },
        { file: `${dir}/${corrupt}`, damage: [{ offset: 0, bytes: bytes.length }] },
      ]);
      // Kept aside, byte for byte, where neither the replay nor new journal files look.
      expect(readFileSync(reports[1]!.keptAs)).toEqual(damaged);
      expect(damagedJournals(dir)).toHaveLength(2);
      expect(journalFiles().filter((name) => !name.includes('damaged'))).toHaveLength(1);
      await store.close();
      const reopened = await openStore({ onJournalDamage: (report) => reports.push(report) });
      expect(textOf(await reopened.load('w'))).toBe('one');
      expect(reports).toHaveLength(2);
    });

    it('refuses to open, naming the file, when a record with a good checksum cannot be read', async () => {
      const writer = new JournalWriter(dir, 6);
      writer.append(Uint8Array.of(5, 1)); // five operations promised, none there
      writer.close(false);
      await expect(openLevelDbStore(dir)).rejects.toThrow(/journal file 7/);
    });
  });
});
