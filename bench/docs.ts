/**
 * Where a session's tables go for readers: docs/benchmarks.md and the README's headline, each
 * between two markers, with the command, the machine and the date. The prose around the markers
 * is written by hand.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const START = '<!-- results:start -->';
const END = '<!-- results:end -->';
/** The README's side-by-side headline sits between these. */
const HEADLINE_START = '<!-- bench-headline:start -->';
const HEADLINE_END = '<!-- bench-headline:end -->';

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

/**
 * Replaces the results between the markers of docs/benchmarks.md, and the side-by-side
 * headline between the README's markers.
 */
export function writeResults(root: string, command: string, build: string, tables: string, headline: string): void {
  const when = new Date().toISOString().replace('T', ' ').slice(0, 16);
  replaceBetween(
    join(root, 'docs/benchmarks.md'),
    START,
    END,
    ['', '', `Command: \`${command}\`  `, `Machine: ${describeMachine()}  `, `Tandem built from: ${build}  `, `Date: ${when} UTC`, '', tables, ''].join('\n'),
  );
  if (headline !== '')
    replaceBetween(join(root, 'README.md'), HEADLINE_START, HEADLINE_END, `\n${headline}\n\n(\`${command}\`, ${when} UTC, ${describeMachine()})\n`);
}

/** Replaces what lies between `start` and `end` in the file at `path`. */
function replaceBetween(path: string, start: string, end: string, content: string): void {
  const doc = readFileSync(path, 'utf8');
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${path} has no ${start} ... ${end} section`);
  writeFileSync(path, doc.slice(0, from + start.length) + content + doc.slice(to));
}
