/**
 * `tandem doctor`: what is wrong with an installation. On a data dir it reads the journal files
 * (without opening LevelDB, so it also works beside a running server) and reports each damaged
 * one: those kept aside after a replay, and those a replay has still to read. With `--server URL`
 * it reports the running server's `/readyz` answer (a failing store says why there).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { damagedJournals, readJournal, readRecords, type JournalDamage } from '../storage/journal.js';

/** One damaged journal file. */
export interface JournalFinding {
  readonly file: string;
  /** 'kept aside': replayed already, kept for inspection; 'pending': the next start replays its intact records. */
  readonly state: 'kept aside' | 'pending';
  readonly damage: readonly JournalDamage[];
}

/** What `doctor` found. */
export interface Diagnosis {
  /** True when nothing needs attention. */
  readonly healthy: boolean;
  readonly findings: readonly JournalFinding[];
  /** The server's `/readyz` answer, with `--server`. */
  readonly readiness?: { readonly status: number; readonly text: string };
}

/** The damaged journal files in `dataDir`. */
export function diagnoseDataDir(dataDir: string): Diagnosis {
  const findings: JournalFinding[] = [];
  for (const name of damagedJournals(dataDir)) {
    findings.push({ file: join(dataDir, name), state: 'kept aside', damage: readRecords(readFileSync(join(dataDir, name))).damage });
  }
  for (const file of readJournal(dataDir)) {
    if (file.damage.length > 0) findings.push({ file: file.path, state: 'pending', damage: file.damage });
  }
  return { healthy: findings.length === 0, findings };
}

/** The `/readyz` answer of the server at `serverUrl`. */
export async function diagnoseServer(serverUrl: string): Promise<Diagnosis> {
  const response = await fetch(new URL('/readyz', serverUrl));
  const readiness = { status: response.status, text: (await response.text()).trim() };
  return { healthy: response.status === 200, findings: [], readiness };
}

/** The diagnosis for people. */
export function describeDiagnosis(where: string, diagnosis: Diagnosis): string {
  if (diagnosis.readiness !== undefined) return `${where}: ${diagnosis.readiness.text} (HTTP ${diagnosis.readiness.status})\n`;
  if (diagnosis.findings.length === 0) return `${where}: no damaged journal files\n`;
  const lines = diagnosis.findings.map(({ file, state, damage }) => {
    const stretches = damage.map(({ offset, bytes }) => `${bytes} bytes at offset ${offset}`).join(', ');
    const meaning =
      state === 'pending' ? 'the next start replays its intact records and keeps it aside' : 'its intact records were replayed; kept for inspection';
    return `  ${file}: ${stretches} unreadable (${meaning})`;
  });
  return `${where}: ${diagnosis.findings.length} damaged journal file${diagnosis.findings.length === 1 ? '' : 's'}\n${lines.join('\n')}\n`;
}
