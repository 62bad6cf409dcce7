/**
 * A journal with a damaged record in the middle, as a bad disk leaves it: the server logs the
 * damage at error with the file and offset, keeps every intact record after it, and keeps the
 * file aside instead of deleting it; `tandem doctor` reports it before and after the replay.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, runAdmin } from '../../server/cli/admin.js';
import { JournalWriter } from '../../server/storage/journal.js';
import { journalRecordOf } from '../../server/storage/leveldb-store.js';
import type { LogWrite } from '../../server/storage/log-backend.js';
import { ClientPool } from '../helpers/clients.js';
import { runCli, type CliRun } from '../helpers/server.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { textUpdate } from '../helpers/text-docs.js';
import { waitFor } from '../helpers/wait-for.js';

const EDITS = 40;

/** A journal file of `EDITS` records, each appending one independent edit to document `notes`. */
function writeJournal(dir: string): { file: string; offsets: number[] } {
  const writer = new JournalWriter(dir, 0);
  let bytes = 0;
  let offset = 0;
  const offsets: number[] = [];
  for (let seq = 0; seq < EDITS; seq++) {
    const update = textUpdate(`<edit ${seq}>`);
    bytes += update.length;
    const writes: LogWrite[] = [
      { type: 'put', name: 'notes', seq, update },
      { type: 'meta', name: 'notes', meta: { nextSeq: seq + 1, bytes, updates: seq + 1, updatedAt: 1, compactedBytes: 0 } },
    ];
    const record = journalRecordOf(writes);
    offsets.push(offset);
    offset += 8 + record.length; // length and CRC, then the record
    writer.append(record);
  }
  writer.close(false);
  const file = readdirSync(dir).find((name) => name.startsWith('tandem-journal.')) as string;
  return { file: join(dir, file), offsets };
}

async function doctor(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await runAdmin('doctor', argv, {}, { out: (text) => (out += String(text)), err: (text) => (out += text) });
  return { code, out };
}

describe('a journal with a damaged middle record', () => {
  const pool = new ClientPool();
  let server: CliRun | null = null;
  let dir = '';

  afterEach(async () => {
    pool.destroyAll();
    server?.process.kill('SIGKILL');
    await server?.exited;
    server = null;
    await removeTempDir(dir);
  });

  it('is logged at error with file and offset, kept aside, and every intact record after it is served', async () => {
    dir = await makeTempDir('tandem-journal-damage-');
    const { file, offsets } = writeJournal(dir);
    expect(await doctor('--data', dir)).toMatchObject({ code: 0, out: expect.stringContaining('no damaged journal files') });
    // One flipped byte inside the payload of record 20.
    const bytes = readFileSync(file);
    const damagedAt = offsets[20] as number;
    bytes[damagedAt + 12] = (bytes[damagedAt + 12] as number) ^ 0x01;
    writeFileSync(file, bytes);

    const before = await doctor('--data', dir, '--json');
    expect(before.code).toBe(EXIT_CODES.failed);
    expect(JSON.parse(before.out)).toMatchObject({ healthy: false, findings: [{ file, state: 'pending', damage: [{ offset: damagedAt }] }] });

    server = runCli(['serve', '--port', '0', '--data', dir, '--static-dir', 'none']);
    const listening = await waitFor(
      () =>
        server
          ?.output()
          .stdout.split('\n')
          .find((line) => line.includes('"listening"')),
      { timeout: 20_000, message: 'the server to listen' },
    );
    const { port } = JSON.parse(listening) as { port: number };
    const logged = server
      .output()
      .stdout.split('\n')
      .find((line) => line.includes('damaged journal file'));
    expect(logged).toBeDefined();
    const entry = JSON.parse(logged as string) as { level: number; file: string; keptAs: string; damage: { offset: number }[] };
    expect(entry).toMatchObject({ level: 50, file, damage: [{ offset: damagedAt }] });
    expect(readFileSync(entry.keptAs)).toEqual(bytes);

    expect(await doctor('--server', `http://127.0.0.1:${port}`)).toMatchObject({ code: 0, out: expect.stringContaining('ready (HTTP 200)') });
    const reader = await pool.connectSynced(`ws://127.0.0.1:${port}`, 'notes');
    const text = reader.doc.getText('text').toString();
    const kept = Array.from({ length: EDITS }, (_, seq) => seq).filter((seq) => text.includes(`<edit ${seq}>`));
    expect(kept).toEqual(Array.from({ length: EDITS }, (_, seq) => seq).filter((seq) => seq !== 20));

    const after = await doctor('--data', dir);
    expect(after.code).toBe(EXIT_CODES.failed);
    expect(after.out).toContain(`${entry.keptAs}: `);
    expect(after.out).toContain(`at offset ${damagedAt}`);
  });
});
