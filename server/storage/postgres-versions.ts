/**
 * Versions in PostgreSQL: one row per version in `tandem_versions` (postgres-schema.ts), its record
 * in columns and its state as `bytea`. Writing a version with an id that exists replaces it, so two
 * instances writing the automatic version of one moment leave one.
 */
import type { SqlSession } from './postgres-schema.js';
import type { VersionBackend, VersionInfo, VersionKind } from './versions.js';

interface VersionRow {
  id: string;
  label: string | null;
  created_at: string;
  created_by: string | null;
  kind: VersionKind;
  bytes: string;
}

/** Versions through `session` (statements that need no transaction). */
export function createPostgresVersionBackend(session: SqlSession): VersionBackend {
  return {
    async put(name, info, state) {
      await session.query(
        `INSERT INTO tandem_versions (name, id, label, created_at, created_by, kind, bytes, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (name, id) DO UPDATE SET label = EXCLUDED.label, created_at = EXCLUDED.created_at,
           created_by = EXCLUDED.created_by, kind = EXCLUDED.kind, bytes = EXCLUDED.bytes, state = EXCLUDED.state`,
        [name, info.id, info.label, info.createdAt, info.createdBy, info.kind, info.bytes, Buffer.from(state)],
      );
    },
    async list(name) {
      const { rows } = await session.query<VersionRow>('SELECT id, label, created_at, created_by, kind, bytes FROM tandem_versions WHERE name = $1', [name]);
      return rows.map(
        (row): VersionInfo => ({
          id: row.id,
          label: row.label,
          createdAt: Number(row.created_at),
          createdBy: row.created_by,
          kind: row.kind,
          bytes: Number(row.bytes),
        }),
      );
    },
    async state(name, id) {
      const { rows } = await session.query<{ state: Buffer }>('SELECT state FROM tandem_versions WHERE name = $1 AND id = $2', [name, id]);
      const state = rows[0]?.state;
      return state === undefined ? null : new Uint8Array(state);
    },
    async remove(name, ids) {
      if (ids === null) await session.query('DELETE FROM tandem_versions WHERE name = $1', [name]);
      else await session.query('DELETE FROM tandem_versions WHERE name = $1 AND id = ANY($2)', [name, ids]);
    },
  };
}
