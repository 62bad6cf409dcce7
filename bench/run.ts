/**
 * `npm run bench`: runs the workloads against Tandem and, interleaved in the same session, the
 * raw relay, y-websocket 2.1's server and Hocuspocus; prints one JSON line per run and the
 * tables at the end.
 *
 *   npm run bench -- [--workload 1x50,hostile,idle|all] [--seconds 8] [--reps 2] [--target relay,tandem,ywebsocket,hocuspocus]
 *                    [--rates 5,10,20] [--seed 1] [--many-docs 10000] [--docs] [--cpu-prof DIR] [--skip-build]
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeTempDir, removeTempDir } from '../test/helpers/temp-dir.js';
import { runCold } from './cold-run.js';
import { describeBuild, writeResults } from './docs.js';
import { runHostile } from './hostile-run.js';
import { runIdle } from './idle-run.js';
import { largeDocument } from './large-document.js';
import { runLarge } from './large-run.js';
import { runLive, type LiveSpec } from './live-run.js';
import { failureOf, keptUp, toJsonLine, type RunRecord } from './records.js';
import { renderHeadline, renderTables } from './report.js';
import { TARGETS, holdsDocuments, killServersOnExit, startServer, type ServerUnderTest, type StartOptions, type TargetKind } from './server-process.js';
import { runStorage } from './storage-run.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Whether Hocuspocus's SQLite extension, an optional dependency built from source, installed and loads. */
function sqliteInstalled(): boolean {
  try {
    const require = createRequire(join(ROOT, 'package.json'));
    require.resolve('@hocuspocus/extension-sqlite');
    require('better-sqlite3');
    return true;
  } catch {
    return false;
  }
}

/** The live workloads of the issue: documents x clients at a typing rate, awareness at 20 Hz. */
const LIVE: Readonly<Record<string, Pick<LiveSpec, 'docs' | 'clientsPerDoc' | 'editRate'>>> = {
  '1x50': { docs: 1, clientsPerDoc: 50, editRate: 5 },
  '20x5': { docs: 20, clientsPerDoc: 5, editRate: 5 },
  '200x2': { docs: 200, clientsPerDoc: 2, editRate: 5 },
  '1x50-r20': { docs: 1, clientsPerDoc: 50, editRate: 20 },
};
/** The typing of the hostile workload (a hostile import loop runs beside it; bench/hostile-run.ts). */
const HOSTILE: Pick<LiveSpec, 'docs' | 'clientsPerDoc' | 'editRate'> = { docs: 20, clientsPerDoc: 5, editRate: 5 };
/** The typing in other rooms while the large document is joined. */
const BESIDE_LARGE: Pick<LiveSpec, 'docs' | 'clientsPerDoc' | 'editRate'> = { docs: 5, clientsPerDoc: 2, editRate: 5 };
const WORKLOADS = [...Object.keys(LIVE), 'hostile', 'idle', 'many', 'large', 'cold', 'storage', 'saturation'];
const DEFAULT_RATES = [10, 20, 40, 70, 100, 150, 200, 300, 400];
const IDLE_COUNTS = [100, 500, 1000];
/** Idle connections per document in the idle workload, as issue 5 set it. */
const IDLE_PER_DOCUMENT = 10;
/** Documents of the many workload (one idle connection each); `--many-docs` changes it. */
const MANY_DOCS = 10_000;
/** Handshakes in flight at once in the many workload. */
const MANY_CONCURRENCY = 100;
/**
 * Node flags for both servers in the idle workload only: a small young generation, so that RSS
 * shows what each connection keeps rather than how much short-lived garbage the handshakes left
 * before the next scavenge (up to 16 MB per semi-space by default, whatever the connection count).
 */
const IDLE_NODE_FLAGS = ['--max-semi-space-size=1'];
const WARMUP_SECONDS = 3;
/** A run that takes longer than this is stuck (a lost handshake, a server that stopped answering). */
const RUN_DEADLINE_MS = 5 * 60_000;
const SATURATION_SECONDS = 4;

interface Options {
  workloads: string[];
  seconds: number;
  reps: number;
  targets: TargetKind[];
  rates: number[];
  seed: number;
  manyDocs: number;
  docs: boolean;
  cpuProfileDir: string | undefined;
  build: boolean;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      workload: { type: 'string', default: 'all' },
      seconds: { type: 'string', default: '8' },
      reps: { type: 'string', default: '2' },
      target: { type: 'string', default: TARGETS.join(',') },
      rates: { type: 'string', default: DEFAULT_RATES.join(',') },
      seed: { type: 'string', default: '1' },
      'many-docs': { type: 'string', default: String(MANY_DOCS) },
      docs: { type: 'boolean', default: false },
      'cpu-prof': { type: 'string' },
      'skip-build': { type: 'boolean', default: false },
    },
  });
  const list = (value: string): string[] =>
    value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const positive = (name: string, value: string): number => {
    const n = Number(value);
    if (!(n > 0)) fail(`--${name} must be a positive number, not '${value}'`);
    return n;
  };
  const workloads = values.workload === 'all' ? WORKLOADS : list(values.workload);
  for (const w of workloads) if (!WORKLOADS.includes(w)) fail(`unknown workload '${w}' (one of: ${WORKLOADS.join(', ')}, all)`);
  const targets = list(values.target);
  for (const t of targets) if (!(TARGETS as readonly string[]).includes(t)) fail(`unknown target '${t}' (${TARGETS.join(', ')})`);
  if (targets.includes('hocuspocus') && !sqliteInstalled()) {
    fail(
      'the hocuspocus target needs @hocuspocus/extension-sqlite, an optional dependency that did not install here (its better-sqlite3 builds from source with python3, make and g++): install those and run npm install, or leave it out with --target relay,tandem,ywebsocket',
    );
  }
  return {
    workloads,
    seconds: positive('seconds', values.seconds),
    reps: Math.round(positive('reps', values.reps)),
    targets: targets as TargetKind[],
    rates: list(values.rates).map((r) => positive('rates', r)),
    seed: Number(values.seed),
    manyDocs: Math.round(positive('many-docs', values['many-docs'])),
    docs: values.docs,
    cpuProfileDir: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']),
    build: !values['skip-build'],
  };
}

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

/** Rebuilds server/dist/ so that Tandem is measured as it is in the working tree. */
function build(): void {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'server/tsconfig.build.json'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) process.stderr.write(`bench: the build reported errors; measuring what it emitted\n${result.stdout.slice(0, 2000)}\n`);
  if (!existsSync(join(ROOT, 'server/dist/server/cli.js'))) fail('server/dist/server/cli.js is missing: Tandem cannot be started');
}

/** The targets in the order given on odd reps and reversed on even ones, so that drift over a session cancels. */
function inOrder(targets: readonly TargetKind[], rep: number): TargetKind[] {
  return rep % 2 === 1 ? [...targets] : [...targets].reverse();
}

/** Starts a server (on a fresh data dir if it stores documents), runs `body`, stops it and removes the dir. */
async function withServer<T>(options: Omit<StartOptions, 'dataDir'>, body: (server: ServerUnderTest) => Promise<T>): Promise<T> {
  const dataDir = holdsDocuments(options.kind) ? await makeTempDir(`${options.kind}-bench-`) : undefined;
  try {
    const server = await startServer({ ...options, ...(dataDir === undefined ? {} : { dataDir }) });
    try {
      return await withDeadline(body(server), RUN_DEADLINE_MS);
    } finally {
      await server.stop();
    }
  } finally {
    if (dataDir !== undefined) await removeTempDir(dataDir);
  }
}

/** `work`, or a rejection once `ms` have passed without it settling. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`run did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  killServersOnExit();
  if (options.targets.includes('tandem') && options.build) build();
  // Read before the session: the tree may change while it runs, but dist/ was built from this.
  const builtFrom = describeBuild(ROOT);
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const jsonl = join(ROOT, 'bench/results', `${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
  const records: RunRecord[] = [];
  const failures: string[] = [];
  const emit = (record: RunRecord): void => {
    const line = toJsonLine(record);
    process.stdout.write(`${line}\n`);
    appendFileSync(jsonl, `${line}\n`);
    records.push(record);
    const failure = failureOf(record);
    if (failure !== null) {
      const message = `FAILURE ${record.workload} ${record.target} rep ${record.rep}: ${failure}`;
      failures.push(message);
      process.stderr.write(`\n!!!!! ${message} !!!!!\n\n`);
    }
  };
  const profiled = (kind: TargetKind): Pick<StartOptions, 'cpuProfileDir'> =>
    kind === 'tandem' && options.cpuProfileDir !== undefined ? { cpuProfileDir: options.cpuProfileDir } : {};
  const tandem = options.targets.includes('tandem');

  /** Runs one measurement; a throw is a loud failure of that run, and the session goes on. */
  const attempt = async (what: string, run: () => Promise<RunRecord>): Promise<RunRecord | null> => {
    try {
      const record = await run();
      emit(record);
      return record;
    } catch (error) {
      const message = `FAILURE ${what}: ${error instanceof Error ? error.message : String(error)}`;
      failures.push(message);
      process.stderr.write(`\n!!!!! ${message} !!!!!\n\n`);
      return null;
    }
  };

  for (const workload of options.workloads) {
    for (let rep = 1; rep <= options.reps; rep++) {
      const what = (target: TargetKind): string => `${workload} ${target} rep ${rep}`;
      const live = LIVE[workload];
      if (live !== undefined) {
        const spec: LiveSpec = { ...live, awarenessHz: 20, seconds: options.seconds, warmupSeconds: WARMUP_SECONDS, seed: options.seed };
        for (const target of inOrder(options.targets, rep)) {
          await attempt(what(target), async () => {
            const m = await withServer({ kind: target, ...profiled(target) }, (server) => runLive(server, spec));
            return { kind: 'live', workload, target, rep, spec, m };
          });
        }
      } else if (workload === 'hostile' && tandem) {
        const spec: LiveSpec = { ...HOSTILE, awarenessHz: 20, seconds: options.seconds, warmupSeconds: WARMUP_SECONDS, seed: options.seed };
        await attempt(what('tandem'), async () => {
          const m = await withServer({ kind: 'tandem', ...profiled('tandem') }, (server) => runHostile(server, spec));
          return { kind: 'hostile', workload, target: 'tandem', rep, spec, m };
        });
      } else if (workload === 'saturation') {
        await saturate(options, rep, profiled, attempt);
      } else if (workload === 'idle') {
        for (const target of inOrder(options.targets, rep)) {
          await attempt(what(target), async () => {
            const m = await withServer({ kind: target, nodeFlags: IDLE_NODE_FLAGS }, (server) => runIdle(server, IDLE_COUNTS, IDLE_PER_DOCUMENT));
            return { kind: 'idle', workload, target, rep, m };
          });
        }
      } else if (workload === 'many') {
        const counts = [Math.round(options.manyDocs / 4), Math.round(options.manyDocs / 2), options.manyDocs];
        for (const target of inOrder(options.targets, rep)) {
          await attempt(what(target), async () => {
            const m = await withServer({ kind: target, nodeFlags: IDLE_NODE_FLAGS }, (server) => runIdle(server, counts, 1, MANY_CONCURRENCY));
            return { kind: 'many', workload, target, rep, m };
          });
        }
      } else if (workload === 'large') {
        const doc = largeDocument(options.seed, join(ROOT, 'bench/results/cache'));
        const spec: LiveSpec = { ...BESIDE_LARGE, awarenessHz: 20, seconds: options.seconds, warmupSeconds: WARMUP_SECONDS, seed: options.seed };
        for (const target of inOrder(options.targets, rep).filter(holdsDocuments)) {
          await attempt(what(target), async () => {
            const m = await withDeadline(runLarge(target, doc, spec, profiled(target)), RUN_DEADLINE_MS);
            return { kind: 'large', workload, target, rep, spec, m };
          });
        }
      } else if (workload === 'cold' && tandem) {
        await attempt(what('tandem'), async () => {
          const m = await withDeadline(runCold(options.seed + rep, options.cpuProfileDir), RUN_DEADLINE_MS);
          return { kind: 'cold', workload, target: 'tandem', rep, m };
        });
      } else if (workload === 'storage' && tandem) {
        const spec = { clientsPerDoc: 10, editRate: 50, awarenessHz: 1, seconds: options.seconds, warmupSeconds: 0, seed: options.seed + rep };
        await attempt(what('tandem'), async () => {
          const m = await withDeadline(runStorage(spec), RUN_DEADLINE_MS);
          return { kind: 'storage', workload, target: 'tandem', rep, m };
        });
      }
    }
  }

  const tables = renderTables(records);
  process.stdout.write(`\n${tables}\n`);
  process.stdout.write(`\nJSON lines: ${jsonl}\n`);
  if (options.docs) writeResults(ROOT, `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(), builtFrom, tables, renderHeadline(records));
  if (failures.length > 0) {
    process.stderr.write(`\n!!!!! ${failures.length} run(s) FAILED:\n${failures.join('\n')}\n`);
    process.exitCode = 1;
  }
}

/**
 * 1x50 at rising edit rates, each step on a fresh server, the targets interleaved per step. A
 * target stops at its first step that does not keep up twice in a row; whether the generator or
 * the server was the limit there is in the step's record.
 */
async function saturate(
  options: Options,
  rep: number,
  profiled: (kind: TargetKind) => Pick<StartOptions, 'cpuProfileDir'>,
  attempt: (what: string, run: () => Promise<RunRecord>) => Promise<RunRecord | null>,
): Promise<void> {
  const going = new Set(options.targets);
  for (const editRate of options.rates) {
    for (const target of inOrder(options.targets, rep)) {
      if (!going.has(target)) continue;
      const seconds = Math.min(options.seconds, SATURATION_SECONDS);
      const spec: LiveSpec = { docs: 1, clientsPerDoc: 50, editRate, awarenessHz: 20, seconds, warmupSeconds: 2, seed: options.seed };
      const step = (): Promise<RunRecord | null> =>
        attempt(`saturation ${target} rep ${rep} at ${editRate}/s`, async () => {
          const m = await withServer({ kind: target, ...profiled(target) }, (server) => runLive(server, spec));
          return { kind: 'saturation', workload: 'saturation', target, rep, spec, m };
        });
      const kept = (record: RunRecord | null): boolean => record?.kind === 'saturation' && keptUp(record.m);
      // One retry: on a shared machine a single stall elsewhere can sink a step.
      if (!kept(await step()) && !kept(await step())) going.delete(target);
    }
  }
}

await main();
