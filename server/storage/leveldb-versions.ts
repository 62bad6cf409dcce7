/**
 * Versions in the LevelDB store's folder, beside the logs (leveldb-records.ts has the rest of the
 * key layout): `v` + document name + 0x00 + version id holds the version's record (JSON), `w` +
 * the same holds its state. A version is written in one batch, straight to LevelDB (not through
 * the journal: versions are rare, and a version is durable when `put` resolves).
 */
import type { Level } from 'level';
import { decodeVersionInfo, encodeVersionInfo, type VersionBackend, type VersionInfo } from './versions.js';

const INFO_PREFIX = 0x76; // 'v'
const STATE_PREFIX = 0x77; // 'w'
const SEPARATOR = 0x00;

type Db = Level<Uint8Array, Uint8Array>;

function key(prefix: number, name: string, id: string): Uint8Array {
  return Buffer.concat([Uint8Array.of(prefix), Buffer.from(name, 'utf8'), Uint8Array.of(SEPARATOR), Buffer.from(id, 'utf8')]);
}

/** Every key of `prefix` for `name`, and nothing of another document (names hold no 0x00). */
function range(prefix: number, name: string): { gte: Uint8Array; lt: Uint8Array } {
  const start = Buffer.concat([Uint8Array.of(prefix), Buffer.from(name, 'utf8')]);
  return { gte: Buffer.concat([start, Uint8Array.of(SEPARATOR)]), lt: Buffer.concat([start, Uint8Array.of(SEPARATOR + 1)]) };
}

/** Versions over the store's open `db`; `sync` as the store's own writes. */
export function createLevelDbVersionBackend(db: Db, sync: boolean): VersionBackend {
  return {
    async put(name, info, state) {
      await db.batch(
        [
          { type: 'put', key: key(INFO_PREFIX, name, info.id), value: Buffer.from(encodeVersionInfo(info), 'utf8') },
          { type: 'put', key: key(STATE_PREFIX, name, info.id), value: state },
        ],
        { sync },
      );
    },
    async list(name) {
      const records: VersionInfo[] = [];
      for (const value of await db.values(range(INFO_PREFIX, name)).all()) records.push(decodeVersionInfo(Buffer.from(value).toString('utf8')));
      return records;
    },
    async state(name, id) {
      return (await db.get(key(STATE_PREFIX, name, id))) ?? null;
    },
    async remove(name, ids) {
      if (ids === null) {
        await Promise.all([db.clear(range(INFO_PREFIX, name)), db.clear(range(STATE_PREFIX, name))]);
        return;
      }
      await db.batch(
        ids.flatMap((id) => [
          { type: 'del' as const, key: key(INFO_PREFIX, name, id) },
          { type: 'del' as const, key: key(STATE_PREFIX, name, id) },
        ]),
        { sync },
      );
    },
  };
}
