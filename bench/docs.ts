/**
 * Where a session's tables go for readers: docs/benchmarks.md, between two markers, with the
 * command, the machine and the date. The prose around the markers is written by hand.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

/** The machine a session ran on, as the docs state it. */
export function describeMachine(): string {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} cores (nproc), ${model}, Node ${process.version}`;
}

/** The commit Tandem was built from, and whether server/ or shared/ had changes not committed yet. */
export function describeBuild(root: string): string {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  const dirty = git('status', '--porcelain', '--', 'server', 'shared') !== '';
  return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' plus uncommitted changes under server/ or shared/' : ''}`;
}

/** Replaces the results between the markers of docs/benchmarks.md. */
export function writeResults(root: string, command: string, build: string, tables: string): void {
  const path = join(root, 'docs/benchmarks.md');
  const doc = readFileSync(path, 'utf8');
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${path} has no ${START} ... ${END} section`);
  const results = [
    START,
    '',
    `Command: \`${command}\`  `,
    `Machine: ${describeMachine()}  `,
    `Tandem built from: ${build}  `,
    `Date: ${new Date().toISOString().replace('T', ' ').slice(0, 16)} UTC`,
    '',
    tables,
    '',
  ].join('\n');
  writeFileSync(path, doc.slice(0, start) + results + doc.slice(end));
}
