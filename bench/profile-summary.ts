/**
 * Top self-time functions of V8 CPU profiles (`--cpu-prof`), e.g. those `npm run bench --
 * --cpu-prof DIR` writes for each Tandem process:
 *
 *   node --import tsx bench/profile-summary.ts DIR_OR_FILE [--top 25]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

/** The parts of a .cpuprofile this summary reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function and per package, in ms, busiest first. */
interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  functions: Array<{ name: string; ms: number }>;
  packages: Array<{ name: string; ms: number }>;
}

/** Adds up the sampled self time of each function (by name and place) and of each package. */
function summarise(profile: CpuProfile, root = process.cwd()): ProfileSummary {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const frame = frames.get(id);
    if (frame === undefined) return;
    totalMs += ms;
    if (frame.functionName === '(idle)') {
      idleMs += ms;
      return;
    }
    const place = placeOf(frame.url, root);
    const name = `${frame.functionName || '(anonymous)'} ${place === '' ? '' : `${place}:${frame.lineNumber + 1}`}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + ms);
    const pkg = packageOf(place, frame.functionName);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
  });
  const sorted = (map: Map<string, number>): Array<{ name: string; ms: number }> => [...map].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
  return { totalMs, idleMs, functions: sorted(functions), packages: sorted(packages) };
}

function placeOf(url: string, root: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith('/') ? relative(root, path) : path;
}

/** `yjs`, `ws`, `lib0`, `tandem server/...` folder, `node` internals, or a V8 pseudo-frame. */
function packageOf(place: string, functionName: string): string {
  if (place === '') return functionName; // (garbage collector), (program)
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(place);
  if (inModules !== null) return inModules[1]!;
  if (place.startsWith('node:')) return 'node internals';
  const folder = /^dist\/(server\/[^/]+|shared)/.exec(place);
  return folder === null ? place : `tandem ${folder[1]}`;
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
  const top = Number(values.top);
  const files = positionals.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((f) => f.endsWith('.cpuprofile'))
          .map((f) => join(path, f))
      : [path],
  );
  if (files.length === 0) {
    process.stderr.write('usage: profile-summary <file.cpuprofile | dir> [--top N]\n');
    process.exit(2);
  }
  for (const file of files) {
    const summary = summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
    const busy = summary.totalMs - summary.idleMs;
    const pct = (ms: number): string => `${((ms / busy) * 100).toFixed(1).padStart(5)} %`;
    process.stdout.write(`\n${file}: ${(busy / 1000).toFixed(2)} s busy of ${(summary.totalMs / 1000).toFixed(2)} s sampled\n`);
    process.stdout.write('\nself time by package:\n');
    for (const { name, ms } of summary.packages.slice(0, 12)) process.stdout.write(`${pct(ms)}  ${name}\n`);
    process.stdout.write(`\ntop ${top} functions by self time:\n`);
    for (const { name, ms } of summary.functions.slice(0, top)) process.stdout.write(`${pct(ms)}  ${name}\n`);
  }
}

main();
