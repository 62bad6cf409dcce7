/**
 * A live workload: documents x clients typing at a fixed rate with awareness at 20 Hz, measured
 * over a window after a warm-up, then drained and checked for convergence.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as prng from 'lib0/prng';
import { waitFor } from '../test/helpers/wait-for.js';
import { fetchDocument } from './fetch-document.js';
import { updateFrame } from './frames.js';
import { framingFor } from './framing.js';
import { Ledger } from './ledger.js';
import { LoadClient, closeCounts, joinAll } from './load-client.js';
import { delay, startSchedule, type Schedule } from './schedule.js';
import { holdsDocuments, type ServerUnderTest } from './server-process.js';
import { textOf, typeUpdates } from './typing.js';

/** The shape of a live workload. */
export interface LiveSpec {
  docs: number;
  clientsPerDoc: number;
  /** Keystrokes per second per client. */
  editRate: number;
  /** Awareness updates per second per client. */
  awarenessHz: number;
  /** Length of the measurement window. */
  seconds: number;
  /** Typing before the window opens, so that start-up costs stay out of it. */
  warmupSeconds: number;
  seed: number;
}

/** What one run of a live workload measured. */
export interface LiveMeasurement {
  /** Keystrokes sent over the whole run, warm-up included. */
  keystrokes: number;
  /** Keystroke deliveries per second the workload asks for (keystrokes x peers). */
  expectedEditsPerSec: number;
  /** Keystroke deliveries received per second inside the window. */
  deliveredEditsPerSec: number;
  /** Deliveries received in the window / keystrokes sent in the window x peers. */
  deliveredRatio: number;
  expectedAwarenessPerSec: number;
  deliveredAwarenessPerSec: number;
  /** Edit-to-peer latency in ms. */
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  serverCpuSeconds: number;
  /** Server CPU over the window, in percent of one core. */
  serverCpuPercent: number;
  rssMB: number;
  peakRssMB: number;
  generatorCpuPercent: number;
  /** Event-loop delay of the generator over the window, ms. */
  loopLagP99: number;
  /** Keystrokes sent / keystrokes the schedule asked for, inside the window. */
  sentRatio: number;
  /** True when the generator, not the server, may have been the limit. */
  generatorBound: boolean;
  converged: boolean;
  /** Keystroke deliveries still missing after the drain (late or lost). */
  missing: number;
  /** Keystrokes a receiver never got although a later one of the same writer came: lost. */
  skipped: number;
  duplicates: number;
  echoes: number;
  /** Text seen by a fresh reader equals the text of everything typed ('n/a': the relay, or not drained). */
  storedText: 'equal' | 'different' | 'n/a';
  /** Close codes of sockets the server closed during the run, with counts. */
  closes: Record<string, number>;
}

/** How much longer than `spec.seconds` work run alongside the typing may hold the window open. */
const ALONGSIDE_ALLOWANCE_SECONDS = 300;

/** The generator is taken to be the limit above this share of one core... */
const GENERATOR_CPU_LIMIT = 0.9;
/** ...or when its event loop lags this much at p99 (ms)... */
const GENERATOR_LAG_LIMIT = 20;
/** ...or when it sent fewer keystrokes than this share of its schedule. */
const GENERATOR_SENT_LIMIT = 0.99;

/**
 * Runs `spec` against a started server. `alongside`, when given, starts as the window opens
 * (for work whose effect on the typing the run measures); the window then lasts until it has
 * settled, and at least `spec.seconds`.
 */
export async function runLive(server: ServerUnderTest, spec: LiveSpec, alongside?: () => Promise<void>): Promise<LiveMeasurement> {
  const ledger = new Ledger();
  // A window held open by `alongside` may last longer: the writers must not run out of keystrokes.
  const rooms = prepareRooms(server, spec, ledger, spec.seconds + (alongside === undefined ? 0 : ALONGSIDE_ALLOWANCE_SECONDS));
  const clients = rooms.flat();
  let schedule: Schedule | null = null;
  try {
    await joinAll(clients, holdsDocuments(server.kind));
    for (const client of clients) client.sendAwareness();
    schedule = startSchedule(clients, spec);
    await delay(spec.warmupSeconds * 1000);
    const window = await measureWindow(server, clients, schedule, ledger, spec, alongside);
    schedule.stop();
    const missing = await drain(rooms, ledger);
    // A server still busy with a backlog would only time the reader out; the run already failed.
    const storedText = holdsDocuments(server.kind) && missing === 0 ? await checkStoredText(server, rooms) : 'n/a';
    const peers = spec.clientsPerDoc - 1;
    const latency = ledger.latency;
    const generatorBound = window.generatorCpu >= GENERATOR_CPU_LIMIT || window.loopLagP99 >= GENERATOR_LAG_LIMIT || window.sentRatio < GENERATOR_SENT_LIMIT;
    return {
      keystrokes: clients.reduce((sum, client) => sum + client.sent, 0),
      expectedEditsPerSec: clients.length * spec.editRate * peers,
      deliveredEditsPerSec: ledger.deliveredInWindow / window.seconds,
      deliveredRatio: window.sentEdits === 0 ? 1 : ledger.deliveredInWindow / (window.sentEdits * peers),
      expectedAwarenessPerSec: clients.length * spec.awarenessHz * peers,
      deliveredAwarenessPerSec: ledger.awarenessInWindow / window.seconds,
      p50: latency.percentile(50),
      p95: latency.percentile(95),
      p99: latency.percentile(99),
      p999: latency.percentile(99.9),
      max: latency.max,
      serverCpuSeconds: window.serverCpu,
      serverCpuPercent: (window.serverCpu / window.seconds) * 100,
      rssMB: window.rss / 2 ** 20,
      peakRssMB: window.peakRss / 2 ** 20,
      generatorCpuPercent: window.generatorCpu * 100,
      loopLagP99: window.loopLagP99,
      sentRatio: window.sentRatio,
      generatorBound,
      converged: missing === 0 && ledger.skipped === 0 && storedText !== 'different',
      missing,
      skipped: ledger.skipped,
      duplicates: ledger.duplicates,
      echoes: ledger.echoes,
      storedText,
      closes: closeCounts(clients),
    };
  } finally {
    schedule?.stop();
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** Builds every client with its precomputed keystrokes; nothing is connected yet. */
function prepareRooms(server: ServerUnderTest, spec: LiveSpec, ledger: Ledger, seconds: number): LoadClient[][] {
  const keystrokes = Math.ceil(spec.editRate * (spec.warmupSeconds + seconds + 1)) + 1;
  const rooms: LoadClient[][] = [];
  for (let d = 0; d < spec.docs; d++) {
    const room: LoadClient[] = [];
    for (let c = 0; c < spec.clientsPerDoc; c++) {
      const clientId = 1 + d * spec.clientsPerDoc + c;
      const rng = prng.create(spec.seed * 7919 + clientId);
      const { updates } = typeUpdates({ clientId, updates: keystrokes }, rng);
      const url = `${server.wsUrl}/bench-${d}`;
      const framing = framingFor(server.protocol, url);
      const client = new LoadClient({
        url,
        framing,
        clientId,
        updates,
        frames: updates.map((update) => framing.wrap(updateFrame(update))),
        awarenessStates: awarenessStates(clientId, rng),
        ledger,
      });
      ledger.addWriter(client);
      room.push(client);
    }
    rooms.push(room);
  }
  return rooms;
}

/** A small ring of plausible presence states: a name, a colour, a caret and a moving pointer. */
function awarenessStates(clientId: number, rng: prng.PRNG): string[] {
  const user = { name: `Writer ${clientId}`, color: `#${prng.uint32(rng, 0, 0xffffff).toString(16).padStart(6, '0')}` };
  const states: string[] = [];
  for (let i = 0; i < 16; i++) {
    const position = { type: null, tname: 'bench', item: { client: clientId, clock: i }, assoc: 0 };
    const pointer = { x: 40 + 20 * i + prng.uint32(rng, 0, 9), y: 300 + prng.uint32(rng, 0, 40) };
    states.push(JSON.stringify({ user, cursor: { anchor: position, head: position }, pointer }));
  }
  return states;
}

interface Window {
  seconds: number;
  serverCpu: number;
  rss: number;
  peakRss: number;
  generatorCpu: number;
  loopLagP99: number;
  sentEdits: number;
  sentRatio: number;
}

/** Opens the ledger's window, waits `spec.seconds`, closes it, and reads both processes. */
async function measureWindow(
  server: ServerUnderTest,
  clients: readonly LoadClient[],
  schedule: Schedule,
  ledger: Ledger,
  spec: LiveSpec,
  alongside?: () => Promise<void>,
): Promise<Window> {
  const sentTotal = (): number => clients.reduce((sum, client) => sum + client.sent, 0);
  const lag = monitorEventLoopDelay({ resolution: 1 });
  let peakRss = server.rssBytes();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, server.rssBytes());
  }, 200);
  const cpu0 = server.cpuSeconds();
  const gen0 = process.cpuUsage();
  const sent0 = sentTotal();
  const due0 = schedule.due();
  lag.enable();
  ledger.windowStart = performance.now();
  try {
    await Promise.all([delay(spec.seconds * 1000), alongside?.()]);
  } finally {
    ledger.windowEnd = performance.now();
    lag.disable();
    clearInterval(sampler);
  }
  const serverCpu = server.cpuSeconds() - cpu0;
  const gen = process.cpuUsage(gen0);
  const sentEdits = sentTotal() - sent0;
  const dueEdits = schedule.due() - due0;
  const rss = server.rssBytes();
  const seconds = (ledger.windowEnd - ledger.windowStart) / 1000;
  return {
    seconds,
    serverCpu,
    rss,
    peakRss: Math.max(peakRss, rss),
    generatorCpu: (gen.user + gen.system) / 1e6 / seconds,
    loopLagP99: lag.percentile(99) / 1e6,
    sentEdits,
    sentRatio: dueEdits === 0 ? 1 : sentEdits / dueEdits,
  };
}

/** Waits up to 10 s for every sent keystroke to reach every peer; returns how many did not. */
async function drain(rooms: readonly LoadClient[][], ledger: Ledger): Promise<number> {
  const missing = (): number => {
    let total = 0;
    for (const room of rooms) {
      for (const reader of room) for (const writer of room) if (writer !== reader) total += ledger.missing(reader, writer);
    }
    return total;
  };
  try {
    await waitFor(() => missing() === 0, { timeout: 10_000, interval: 20, message: 'every keystroke at every peer' });
  } catch {
    // Reported below as lost deliveries: the run goes on to print what it measured.
  }
  return missing();
}

/** A fresh reader per document must see exactly the text of everything its writers sent. */
async function checkStoredText(server: ServerUnderTest, rooms: readonly LoadClient[][]): Promise<'equal' | 'different'> {
  for (let d = 0; d < rooms.length; d++) {
    const room = rooms[d]!;
    const expected = textOf(room.flatMap((client) => client.sentUpdates()));
    const update = await fetchDocument(`${server.wsUrl}/bench-${d}`, { protocol: server.protocol });
    if (textOf([update]) !== expected) return 'different';
  }
  return 'equal';
}
