/**
 * The readable side of a session: markdown tables (which read fine in a terminal too), one per
 * kind of workload, and a summary that sets Tandem against the raw relay and the issue's targets.
 */
import type { IdleRecord, LiveRecord, RunRecord } from './records.js';
import { keptUp } from './records.js';
import type { TargetKind } from './server-process.js';

/** Server CPU allowed, as a multiple of the relay's, per live workload. */
const CPU_TARGETS: Readonly<Record<string, number>> = { '1x50': 1.1, '20x5': 2.0, '200x2': 2.0, '1x50-r20': 1.2 };

/** Every table for the records of one session. */
export function renderTables(records: readonly RunRecord[]): string {
  const sections: string[] = [];
  const live = records.filter((r): r is LiveRecord => r.kind === 'live');
  if (live.length > 0) sections.push('### Live workloads: summary (medians over reps)\n', liveSummary(live), '\n### Live workloads: every run\n', liveRuns(live));
  const saturation = records.filter((r): r is LiveRecord => r.kind === 'saturation');
  if (saturation.length > 0) sections.push('\n### Saturation (1x50, awareness 20 Hz)\n', saturationTable(saturation));
  const hostile = records.flatMap((r) => (r.kind === 'hostile' ? [r] : []));
  if (hostile.length > 0) {
    sections.push('\n### Typing beside a hostile import loop (Tandem)\n', table(
      ['rep', 'edits/s delivered (expected)', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'CPU %', 'peak RSS MB', 'PUTs (statuses)', 'slowest PUT ms', 'converged'],
      hostile.map(({ rep, m }) => [String(rep), `${f(m.deliveredEditsPerSec, 0)} (${f(m.expectedEditsPerSec, 0)})`, f(m.p50, 2), f(m.p95, 2), f(m.p99, 2),
        f(m.max, 1), f(m.serverCpuPercent, 1), f(m.peakRssMB, 0), `${m.puts} (${Object.entries(m.putStatuses).map(([s, n]) => `${s}: ${n}`).join(', ')})`,
        f(m.slowestPutMs, 0), m.converged ? 'yes' : 'NO']),
    ));
  }
  const idle = records.filter((r): r is IdleRecord => r.kind === 'idle');
  if (idle.length > 0) sections.push('\n### Idle connections\n', idleTable(idle));
  const cold = records.flatMap((r) => (r.kind === 'cold' ? [r] : []));
  if (cold.length > 0) {
    sections.push('\n### Cold load (target <= 100 ms)\n', table(
      ['rep', 'ops', 'stored updates', 'stored KB', 'cold ms', 'of which open ms', 'warm ms', 'cold ms after restart', 'client apply ms', 'text'],
      cold.map(({ rep, m }) => [String(rep), String(m.operations), String(m.storedUpdates), f(m.storedBytes / 1024, 0),
        f(m.coldMs, 1), f(m.openMs, 1), f(m.warmMs, 1), f(m.recompactedColdMs, 1), f(m.applyMs, 1),
        m.textEqual && m.recompactedTextEqual ? 'equal' : 'DIFFERENT']),
    ));
  }
  const storage = records.flatMap((r) => (r.kind === 'storage' ? [r] : []));
  if (storage.length > 0) {
    sections.push('\n### Storage (target: compacted <= 1.5x state)\n', table(
      ['rep', 'keystrokes', 'disk B/keystroke', 'compacted disk B/keystroke', 'stored KB (entries)', 'compacted KB (entries)', 'state KB', 'compacted / state', 'text'],
      storage.map(({ rep, m }) => [String(rep), String(m.keystrokes), f(m.diskBytesPerKeystrokeBefore, 1), f(m.diskBytesPerKeystrokeAfter, 1),
        `${f(m.storedBytesBefore / 1024, 1)} (${m.storedUpdatesBefore})`, `${f(m.storedBytesAfter / 1024, 1)} (${m.storedUpdatesAfter})`,
        f(m.stateBytes / 1024, 1), f(m.compactedRatio, 2), m.textEqual ? 'equal' : 'DIFFERENT']),
    ));
  }
  return sections.join('\n');
}

function liveSummary(records: readonly LiveRecord[]): string {
  const rows: string[][] = [];
  for (const workload of unique(records.map((r) => r.workload))) {
    const of = (target: TargetKind): LiveRecord[] => records.filter((r) => r.workload === workload && r.target === target);
    const relay = of('relay');
    const tandem = of('tandem');
    const cpu = (rs: LiveRecord[]): number => median(rs.map((r) => r.m.serverCpuPercent));
    const p99 = (rs: LiveRecord[]): number => median(rs.map((r) => r.m.p99));
    const cpuRatio = cpu(tandem) / cpu(relay);
    const p99Limit = Math.max(5, 2 * p99(relay));
    const cpuTarget = CPU_TARGETS[workload];
    const verdict = (ok: boolean): string => (Number.isNaN(cpuRatio) ? 'n/a' : ok ? 'met' : 'MISSED');
    rows.push([
      workload,
      f(cpu(relay), 1), f(cpu(tandem), 1),
      `${f(cpuRatio, 2)}x${cpuTarget === undefined ? '' : ` (<= ${cpuTarget}x: ${verdict(cpuRatio <= cpuTarget)})`}`,
      f(p99(relay), 2), f(p99(tandem), 2),
      `<= ${f(p99Limit, 1)}: ${verdict(p99(tandem) <= p99Limit)}`,
      f(median(tandem.map((r) => r.m.rssMB)) / median(relay.map((r) => r.m.rssMB)), 2),
      [...relay, ...tandem].every((r) => r.m.converged) ? 'yes' : 'NO',
    ]);
  }
  return table(['workload', 'relay CPU %', 'tandem CPU %', 'CPU ratio', 'relay p99 ms', 'tandem p99 ms', 'p99 target', 'RSS ratio', 'converged'], rows);
}

function liveRuns(records: readonly LiveRecord[]): string {
  return table(
    ['workload', 'server', 'rep', 'edits/s delivered (expected)', 'delivered %', 'awareness/s (expected)', 'p50 ms', 'p95 ms', 'p99 ms',
      'CPU %', 'CPU s', 'RSS MB', 'converged', 'gen CPU %', 'gen lag p99 ms', 'generator-bound'],
    records.map(({ workload, target, rep, m }) => [
      workload, target, String(rep), `${f(m.deliveredEditsPerSec, 0)} (${f(m.expectedEditsPerSec, 0)})`, f(m.deliveredRatio * 100, 1),
      `${f(m.deliveredAwarenessPerSec, 0)} (${f(m.expectedAwarenessPerSec, 0)})`, f(m.p50, 2), f(m.p95, 2), f(m.p99, 2),
      f(m.serverCpuPercent, 1), f(m.serverCpuSeconds, 2), f(m.rssMB, 1), m.converged ? 'yes' : 'NO', f(m.generatorCpuPercent, 0), f(m.loopLagP99, 1),
      m.generatorBound ? 'yes' : 'no',
    ]),
  );
}

function saturationTable(records: readonly LiveRecord[]): string {
  const steps = table(
    ['edits/s per client', 'server', 'rep', 'delivered %', 'p99 ms', 'server CPU %', 'gen CPU %', 'gen lag p99 ms', 'sent / scheduled', 'generator-bound', 'kept up'],
    records.map(({ target, rep, spec, m }) => [
      String(spec.editRate), target, String(rep), f(m.deliveredRatio * 100, 1), f(m.p99, 1), f(m.serverCpuPercent, 0),
      f(m.generatorCpuPercent, 0), f(m.loopLagP99, 1), f(m.sentRatio, 3), m.generatorBound ? 'yes' : 'no', keptUp(m) ? 'yes' : 'NO',
    ]),
  );
  const verdicts = unique(records.map((r) => `${r.target}:${r.rep}`)).map((key) => {
    const steps = records.filter((r) => `${r.target}:${r.rep}` === key);
    const passed = steps.filter((r) => keptUp(r.m));
    const best = passed.length === 0 ? 0 : Math.max(...passed.map((r) => r.spec.editRate));
    const failed = steps.find((r) => !keptUp(r.m) && r.spec.editRate > best);
    const why = failed === undefined ? 'every step kept up' : failed.m.generatorBound ? `generator-bound at ${failed.spec.editRate}` : `server-bound at ${failed.spec.editRate}`;
    return `- ${key.replace(':', ', rep ')}: kept up with ${best} edits/s per client (${why})`;
  });
  return `${steps}\n\n${verdicts.join('\n')}`;
}

function idleTable(records: readonly IdleRecord[]): string {
  const counts = records[0]?.m.points.map((p) => p.connections) ?? [];
  const rows = records.map(({ target, rep, m }) => [target, String(rep), ...m.points.map((p) => f(p.rssMB, 1)), f(m.kbPerConnection, 1)]);
  const slope = (target: TargetKind): number => median(records.filter((r) => r.target === target).map((r) => r.m.kbPerConnection));
  const tandem = slope('tandem');
  const note = Number.isNaN(tandem) ? '' : `\n\nTandem: ${f(tandem, 1)} KB per idle connection (target <= 12: ${tandem <= 12 ? 'met' : 'MISSED'}); relay: ${f(slope('relay'), 1)}.`;
  return table(['server', 'rep', ...counts.map((c) => `RSS MB @${c}`), 'KB / connection'], rows) + note;
}

/** A markdown table with padded columns. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** The median; NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function f(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
