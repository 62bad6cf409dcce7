/**
 * The readable side of a session: markdown tables (which read fine in a terminal too), one per
 * kind of workload, with a column per server where the servers are compared, a side-by-side
 * headline, and Tandem's verdicts against the issues' targets.
 */
import type { IdleRecord, LargeRecord, LiveRecord, RunRecord } from './records.js';
import { keptUp } from './records.js';
import { TARGETS, type TargetKind } from './server-process.js';
import { median } from './stats.js';

/** Tandem's server CPU allowed, as a multiple of the relay's, per live workload (issue 20; 1x50-r20 from issue 5). */
const CPU_TARGETS: Readonly<Record<string, number>> = { '1x50': 1.0, '20x5': 1.5, '200x2': 1.5, '1x50-r20': 1.2 };
/** Tandem's p99 allowed: max(P99_FLOOR_MS, P99_RELAY_FACTOR x the relay's p99) (issue 20). */
const P99_FLOOR_MS = 3;
const P99_RELAY_FACTOR = 1.5;
/** Cold load allowed, as a multiple of the warm load of the same document (issue 20). */
const COLD_WARM_TARGET = 1.2;

/** Every table for the records of one session. */
export function renderTables(records: readonly RunRecord[]): string {
  const sections: string[] = [];
  const headline = renderHeadline(records);
  if (headline !== '') sections.push('### Side by side (medians over reps)\n', headline, '');
  const live = records.filter((r): r is LiveRecord => r.kind === 'live');
  if (live.length > 0)
    sections.push('### Live workloads: summary (medians over reps)\n', liveSummary(live), '\n### Live workloads: every run\n', liveRuns(live));
  const saturation = records.filter((r): r is LiveRecord => r.kind === 'saturation');
  if (saturation.length > 0) sections.push('\n### Saturation (1x50, awareness 20 Hz)\n', saturationTable(saturation));
  const hostile = records.flatMap((r) => (r.kind === 'hostile' ? [r] : []));
  if (hostile.length > 0) {
    sections.push(
      '\n### Typing beside a hostile import loop (Tandem)\n',
      table(
        [
          'rep',
          'edits/s delivered (expected)',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'max ms',
          'CPU %',
          'peak RSS MB',
          'PUTs (statuses)',
          'slowest PUT ms',
          'converged',
        ],
        hostile.map(({ rep, m }) => [
          String(rep),
          `${f(m.deliveredEditsPerSec, 0)} (${f(m.expectedEditsPerSec, 0)})`,
          f(m.p50, 2),
          f(m.p95, 2),
          f(m.p99, 2),
          f(m.max, 1),
          f(m.serverCpuPercent, 1),
          f(m.peakRssMB, 0),
          `${m.puts} (${Object.entries(m.putStatuses)
            .map(([s, n]) => `${s}: ${n}`)
            .join(', ')})`,
          f(m.slowestPutMs, 0),
          m.converged ? 'yes' : 'NO',
        ]),
      ),
    );
  }
  const idle = records.filter((r): r is IdleRecord => r.kind === 'idle');
  if (idle.length > 0) sections.push('\n### Idle connections (10 per document)\n', idleTable(idle, 'connection'));
  const many = records.filter((r): r is IdleRecord => r.kind === 'many');
  if (many.length > 0) sections.push('\n### Many documents (one idle connection each)\n', idleTable(many, 'document'));
  const large = records.filter((r): r is LargeRecord => r.kind === 'large');
  if (large.length > 0) sections.push('\n### Large document (medians over reps)\n', largeSummary(large), '\n### Large document: every run\n', largeRuns(large));
  const cold = records.flatMap((r) => (r.kind === 'cold' ? [r] : []));
  if (cold.length > 0) {
    sections.push(
      `\n### Cold load (Tandem; target: cold <= ${COLD_WARM_TARGET}x warm; medians over the joins of each rep)\n`,
      table(
        [
          'rep',
          'joins',
          'ops',
          'stored updates',
          'stored KB',
          'cold ms',
          'of which open ms',
          'step 2 at ms',
          'client apply ms',
          'warm ms',
          'warm step 2 at ms',
          'warm client apply ms',
          'cold / warm',
          'cold ms after restart',
          'text',
        ],
        cold.map(({ rep, m }) => [
          String(rep),
          m.joins === undefined ? '1' : String(m.joins),
          String(m.operations),
          String(m.storedUpdates),
          f(m.storedBytes / 1024, 0),
          f(m.coldMs, 1),
          f(m.openMs, 1),
          f(m.coldStep2Ms, 1),
          f(m.applyMs, 1),
          f(m.warmMs, 1),
          f(m.warmStep2Ms, 1),
          m.warmApplyMs === undefined ? '-' : f(m.warmApplyMs, 1),
          `${f(m.coldWarmRatio, 2)} (${m.coldWarmRatio <= COLD_WARM_TARGET ? 'met' : 'MISSED'})`,
          f(m.recompactedColdMs, 1),
          m.textEqual && m.recompactedTextEqual ? 'equal' : 'DIFFERENT',
        ]),
      ),
    );
  }
  const storage = records.flatMap((r) => (r.kind === 'storage' ? [r] : []));
  if (storage.length > 0) {
    sections.push(
      '\n### Storage (target: compacted <= 1.5x state)\n',
      table(
        [
          'rep',
          'keystrokes',
          'disk B/keystroke',
          'compacted disk B/keystroke',
          'stored KB (entries)',
          'compacted KB (entries)',
          'state KB',
          'compacted / state',
          'text',
        ],
        storage.map(({ rep, m }) => [
          String(rep),
          String(m.keystrokes),
          f(m.diskBytesPerKeystrokeBefore, 1),
          f(m.diskBytesPerKeystrokeAfter, 1),
          `${f(m.storedBytesBefore / 1024, 1)} (${m.storedUpdatesBefore})`,
          `${f(m.storedBytesAfter / 1024, 1)} (${m.storedUpdatesAfter})`,
          f(m.stateBytes / 1024, 1),
          f(m.compactedRatio, 2),
          m.textEqual ? 'equal' : 'DIFFERENT',
        ]),
      ),
    );
  }
  return sections.join('\n');
}

/**
 * One row per comparison, one column per server: what the README shows. Live workloads as
 * CPU % and p99; idle and many as RSS per connection or document; large as cold and warm join
 * and the p99 of the typing beside it. Empty when the records compare nothing.
 */
export function renderHeadline(records: readonly RunRecord[]): string {
  const servers = serversIn(records);
  const rows: string[][] = [];
  const live = records.filter((r): r is LiveRecord => r.kind === 'live');
  for (const workload of unique(live.map((r) => r.workload))) {
    const of = byServer(live.filter((r) => r.workload === workload));
    rows.push([
      `${workload}: CPU % / p99 ms`,
      ...servers.map((s) => cell(of(s), (rs) => `${f(median(rs.map((r) => r.m.serverCpuPercent)), 1)} / ${f(median(rs.map((r) => r.m.p99)), 1)}`)),
    ]);
  }
  for (const [kind, unit] of [
    ['idle', 'connection'],
    ['many', 'document'],
  ] as const) {
    const idle = records.filter((r): r is IdleRecord => r.kind === kind);
    if (idle.length === 0) continue;
    const of = byServer(idle);
    const count = Math.max(...idle.map((r) => r.m.points.at(-1)?.connections ?? 0));
    rows.push([
      `${kind} (${count}): KB per ${unit}, s to open all`,
      ...servers.map((s) => cell(of(s), (rs) => `${f(median(rs.map((r) => r.m.kbPerConnection)), 1)}, ${f(median(rs.map((r) => totalJoinSeconds(r))), 1)} s`)),
    ]);
  }
  const large = records.filter((r): r is LargeRecord => r.kind === 'large');
  if (large.length > 0) {
    const of = byServer(large);
    rows.push([
      'large: cold / warm join ms',
      ...servers.map((s) => cell(of(s), (rs) => `${f(median(rs.map((r) => r.m.cold.heldMs)), 0)} / ${f(median(rs.map((r) => r.m.warm.heldMs)), 0)}`)),
    ]);
    rows.push(['large: RSS MB loaded', ...servers.map((s) => cell(of(s), (rs) => f(median(rs.map((r) => r.m.loadedRssMB)), 0)))]);
    rows.push(['large: typing beside it, p99 ms', ...servers.map((s) => cell(of(s), (rs) => f(median(rs.map((r) => r.m.typing.p99)), 1)))]);
  }
  if (rows.length === 0) return '';
  return table(['', ...servers], rows);
}

function liveSummary(records: readonly LiveRecord[]): string {
  const servers = serversIn(records);
  const rows: string[][] = [];
  for (const workload of unique(records.map((r) => r.workload))) {
    const of = byServer(records.filter((r) => r.workload === workload));
    const cpu = (rs: readonly LiveRecord[]): number => median(rs.map((r) => r.m.serverCpuPercent));
    const p99 = (rs: readonly LiveRecord[]): number => median(rs.map((r) => r.m.p99));
    const cpuRatio = cpu(of('tandem')) / cpu(of('relay'));
    const p99Limit = Math.max(P99_FLOOR_MS, P99_RELAY_FACTOR * p99(of('relay')));
    const cpuTarget = CPU_TARGETS[workload];
    const verdict = (ok: boolean): string => (Number.isNaN(cpuRatio) ? 'n/a' : ok ? 'met' : 'MISSED');
    const row = (measure: string, value: (rs: readonly LiveRecord[]) => string, target = ''): string[] => [
      workload,
      measure,
      ...servers.map((s) => cell(of(s), value)),
      target,
    ];
    rows.push(
      row(
        'CPU %',
        (rs) => f(cpu(rs), 1),
        `${f(cpuRatio, 2)}x the relay${cpuTarget === undefined ? '' : ` (<= ${cpuTarget}x: ${verdict(cpuRatio <= cpuTarget)})`}`,
      ),
      row('p99 ms', (rs) => f(p99(rs), 2), `<= ${f(p99Limit, 1)}: ${verdict(p99(of('tandem')) <= p99Limit)}`),
      row('p99.9 ms', (rs) => f(median(rs.map((r) => r.m.p999)), 2)),
      row('max ms', (rs) => f(median(rs.map((r) => r.m.max)), 1)),
      row('RSS MB', (rs) => f(median(rs.map((r) => r.m.rssMB)), 0)),
      row('converged', (rs) => (rs.every((r) => r.m.converged) ? 'yes' : 'NO')),
    );
  }
  return table(['workload', 'measure', ...servers, 'Tandem against its target'], rows);
}

function liveRuns(records: readonly LiveRecord[]): string {
  return table(
    [
      'workload',
      'server',
      'rep',
      'edits/s delivered (expected)',
      'delivered %',
      'awareness/s (expected)',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'CPU %',
      'CPU s',
      'RSS MB',
      'converged',
      'gen CPU %',
      'gen lag p99 ms',
      'generator-bound',
    ],
    records.map(({ workload, target, rep, m }) => [
      workload,
      target,
      String(rep),
      `${f(m.deliveredEditsPerSec, 0)} (${f(m.expectedEditsPerSec, 0)})`,
      f(m.deliveredRatio * 100, 1),
      `${f(m.deliveredAwarenessPerSec, 0)} (${f(m.expectedAwarenessPerSec, 0)})`,
      f(m.p50, 2),
      f(m.p95, 2),
      f(m.p99, 2),
      f(m.p999, 2),
      f(m.max, 1),
      f(m.serverCpuPercent, 1),
      f(m.serverCpuSeconds, 2),
      f(m.rssMB, 1),
      m.converged ? 'yes' : 'NO',
      f(m.generatorCpuPercent, 0),
      f(m.loopLagP99, 1),
      m.generatorBound ? 'yes' : 'no',
    ]),
  );
}

function saturationTable(records: readonly LiveRecord[]): string {
  const steps = table(
    [
      'edits/s per client',
      'server',
      'rep',
      'delivered %',
      'p99 ms',
      'server CPU %',
      'gen CPU %',
      'gen lag p99 ms',
      'sent / scheduled',
      'generator-bound',
      'kept up',
    ],
    records.map(({ target, rep, spec, m }) => [
      String(spec.editRate),
      target,
      String(rep),
      f(m.deliveredRatio * 100, 1),
      f(m.p99, 1),
      f(m.serverCpuPercent, 0),
      f(m.generatorCpuPercent, 0),
      f(m.loopLagP99, 1),
      f(m.sentRatio, 3),
      m.generatorBound ? 'yes' : 'no',
      keptUp(m) ? 'yes' : 'NO',
    ]),
  );
  const verdicts = unique(records.map((r) => `${r.target}:${r.rep}`)).map((key) => {
    const steps = records.filter((r) => `${r.target}:${r.rep}` === key);
    const passed = steps.filter((r) => keptUp(r.m));
    const best = passed.length === 0 ? 0 : Math.max(...passed.map((r) => r.spec.editRate));
    const failed = steps.find((r) => !keptUp(r.m) && r.spec.editRate > best);
    const why =
      failed === undefined
        ? 'every step kept up'
        : failed.m.generatorBound
          ? `generator-bound at ${failed.spec.editRate}`
          : `server-bound at ${failed.spec.editRate}`;
    return `- ${key.replace(':', ', rep ')}: kept up with ${best} edits/s per client (${why})`;
  });
  return `${steps}\n\n${verdicts.join('\n')}`;
}

function idleTable(records: readonly IdleRecord[], unit: 'connection' | 'document'): string {
  const counts = records[0]?.m.points.map((p) => p.connections) ?? [];
  const rows = records.map((r) => [r.target, String(r.rep), ...r.m.points.map((p) => f(p.rssMB, 1)), f(r.m.kbPerConnection, 1), f(totalJoinSeconds(r), 1)]);
  const of = byServer(records);
  const slopes = serversIn(records).map((s) => `${s} ${f(median(of(s).map((r) => r.m.kbPerConnection)), 1)}`);
  const tandem = median(of('tandem').map((r) => r.m.kbPerConnection));
  const target = unit === 'connection' && !Number.isNaN(tandem) ? ` Tandem's target: <= 12 KB per idle connection (${tandem <= 12 ? 'met' : 'MISSED'}).` : '';
  return `${table(['server', 'rep', ...counts.map((c) => `RSS MB @${c}`), `KB / ${unit}`, 's to open all'], rows)}\n\nKB per ${unit} (median): ${slopes.join(', ')}.${target}`;
}

function largeSummary(records: readonly LargeRecord[]): string {
  const servers = serversIn(records);
  const of = byServer(records);
  const row = (measure: string, value: (rs: readonly LargeRecord[]) => string): string[] => [measure, ...servers.map((s) => cell(of(s), value))];
  const med =
    (pick: (r: LargeRecord) => number, digits = 0) =>
    (rs: readonly LargeRecord[]): string =>
      f(median(rs.map(pick)), digits);
  const first = records[0]!.m;
  const rows = [
    row(
      'cold join ms (until held)',
      med((r) => r.m.cold.heldMs),
    ),
    row(
      'of which: step 2 at ms',
      med((r) => r.m.cold.step2Ms),
    ),
    row(
      'of which: reader apply ms',
      med((r) => r.m.cold.applyMs),
    ),
    row(
      'warm join ms (until held)',
      med((r) => r.m.warm.heldMs),
    ),
    row(
      'of which: step 2 at ms',
      med((r) => r.m.warm.step2Ms),
    ),
    row(
      'cold / warm',
      med((r) => r.m.cold.heldMs / r.m.warm.heldMs, 2),
    ),
    row('RSS MB started / loaded', (rs) => `${med((r) => r.m.startRssMB)(rs)} / ${med((r) => r.m.loadedRssMB)(rs)}`),
    row('typing beside it: p50 / p99 ms', (rs) => `${med((r) => r.m.typing.p50, 1)(rs)} / ${med((r) => r.m.typing.p99, 1)(rs)}`),
    row('typing beside it: p99.9 / max ms', (rs) => `${med((r) => r.m.typing.p999, 1)(rs)} / ${med((r) => r.m.typing.max, 1)(rs)}`),
    row('typing converged', (rs) => (rs.every((r) => r.m.typing.converged) ? 'yes' : 'NO')),
  ];
  const about = `The document: ${f(first.stateBytes / 2 ** 20, 1)} MB of state, ${first.textLength} characters, written in ${first.edits} updates.`;
  return `${about}\n\n${table(['measure', ...servers], rows)}`;
}

function largeRuns(records: readonly LargeRecord[]): string {
  return table(
    [
      'server',
      'rep',
      'stored via',
      'cold ms',
      'cold step 2 ms',
      'warm ms',
      'warm step 2 ms',
      'RSS MB loaded',
      'p99 ms',
      'p99.9 ms',
      'max ms',
      'CPU %',
      'gen lag p99 ms',
      'converged',
    ],
    records.map(({ target, rep, m }) => [
      target,
      String(rep),
      m.seeded,
      f(m.cold.heldMs, 0),
      f(m.cold.step2Ms, 0),
      f(m.warm.heldMs, 0),
      f(m.warm.step2Ms, 0),
      f(m.loadedRssMB, 0),
      f(m.typing.p99, 1),
      f(m.typing.p999, 1),
      f(m.typing.max, 1),
      f(m.typing.serverCpuPercent, 1),
      f(m.typing.loopLagP99, 1),
      m.typing.converged ? 'yes' : 'NO',
    ]),
  );
}

/** Seconds an idle or many run took to open all its connections. */
function totalJoinSeconds(record: IdleRecord): number {
  return record.m.points.reduce((sum, p) => sum + p.joinSeconds, 0);
}

/** The servers that have records, in the order of {@link TARGETS}. */
function serversIn(records: readonly RunRecord[]): TargetKind[] {
  return TARGETS.filter((target) => records.some((r) => r.target === target));
}

/** The records of one server. */
function byServer<R extends RunRecord>(records: readonly R[]): (target: TargetKind) => R[] {
  return (target) => records.filter((r) => r.target === target);
}

/** `value` of a server's records, or '-' when it has none. */
function cell<R>(records: readonly R[], value: (records: readonly R[]) => string): string {
  return records.length === 0 ? '-' : value(records);
}

/** A markdown table with padded columns. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function f(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
