/**
 * What one benchmark run produced, for the JSON lines and the tables. Every record says which
 * workload, which server and which repetition it belongs to.
 */
import type { ColdMeasurement } from './cold-run.js';
import type { HostileMeasurement } from './hostile-run.js';
import type { IdleMeasurement } from './idle-run.js';
import type { LargeMeasurement } from './large-run.js';
import type { LiveMeasurement, LiveSpec } from './live-run.js';
import type { TargetKind } from './server-process.js';
import type { StorageMeasurement } from './storage-run.js';

interface RunHead {
  workload: string;
  target: TargetKind;
  rep: number;
}

/** One run of a live workload, or one step of the saturation workload. */
export interface LiveRecord extends RunHead {
  kind: 'live' | 'saturation';
  spec: LiveSpec;
  m: LiveMeasurement;
}

/** One run of the hostile workload (Tandem only): typing beside a loop of hostile imports. */
export interface HostileRecord extends RunHead {
  kind: 'hostile';
  spec: LiveSpec;
  m: HostileMeasurement;
}

/** One run of the idle workload (10 connections per document) or the many workload (one each). */
export interface IdleRecord extends RunHead {
  kind: 'idle' | 'many';
  m: IdleMeasurement;
}

/** One run of the large workload on one server. */
export interface LargeRecord extends RunHead {
  kind: 'large';
  spec: LiveSpec;
  m: LargeMeasurement;
}

/** One run of the cold workload (Tandem only). */
export interface ColdRecord extends RunHead {
  kind: 'cold';
  m: ColdMeasurement;
}

/** One run of the storage workload (Tandem only). */
export interface StorageRecord extends RunHead {
  kind: 'storage';
  m: StorageMeasurement;
}

/** Any run. */
export type RunRecord = LiveRecord | HostileRecord | IdleRecord | LargeRecord | ColdRecord | StorageRecord;

/** The JSON line of a run: its head, the workload's shape and every figure, flat. */
export function toJsonLine(record: RunRecord): string {
  const spec = record.kind === 'live' || record.kind === 'saturation' || record.kind === 'hostile' || record.kind === 'large' ? record.spec : {};
  return JSON.stringify({ workload: record.workload, target: record.target, rep: record.rep, ...spec, ...record.m, at: new Date().toISOString() });
}

/**
 * A saturation step is kept up with when nearly every delivery arrived in time, the slowest 1%
 * stayed within 100 ms and nothing was lost.
 */
export function keptUp(m: LiveMeasurement): boolean {
  return m.deliveredRatio >= 0.99 && m.p99 <= 100 && m.converged;
}

/** Why a live run may have failed its own checks, or null; printed loudly. */
export function failureOf(record: RunRecord): string | null {
  switch (record.kind) {
    case 'live':
    case 'saturation': {
      const { m } = record;
      // A saturation step may fall behind (that is what it looks for), but never lose or garble.
      const failed = record.kind === 'live' ? !m.converged : m.skipped > 0 || m.storedText === 'different';
      if (!failed) return null;
      return `${m.skipped} keystrokes skipped, ${m.missing} deliveries missing after the drain, stored text ${m.storedText}, closes ${JSON.stringify(m.closes)}`;
    }
    case 'hostile':
      return record.m.converged
        ? null
        : `${record.m.skipped} keystrokes skipped, ${record.m.missing} deliveries missing after the drain, stored text ${record.m.storedText}`;
    case 'idle':
    case 'many':
      return Object.keys(record.m.closes).length === 0 ? null : `server closed idle sockets ${JSON.stringify(record.m.closes)}`;
    case 'large': {
      const { typing } = record.m;
      // Both readers held the whole document (state vector and text length) or the run threw.
      return typing.converged
        ? null
        : `typing beside the large document: ${typing.skipped} keystrokes skipped, ${typing.missing} deliveries missing, stored text ${typing.storedText}`;
    }
    case 'cold':
      return record.m.textEqual && record.m.recompactedTextEqual ? null : 'the loaded text differs from the text typed';
    case 'storage':
      return record.m.textEqual ? null : 'the stored text differs from the text typed';
  }
}
