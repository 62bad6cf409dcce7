/**
 * Client frame-time benchmark: one Chromium page with the Tandem editor while 50 remote users
 * move their pointers at 20 Hz, so the page receives ~1000 awareness changes per second and
 * interpolates 50 pointers every frame. Measures the gap between animation frames (p50/p95/p99,
 * max) and long animation frames, first with nobody else present (baseline), then with the crowd.
 *
 *   node --import tsx bench/client-frames.ts [--users 50] [--hz 20] [--seconds 10]
 *
 * Prints one JSON line per phase and a table. Not a test: nothing here passes or fails.
 */
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { createMemoryStore } from '../server/storage/memory-store.js';
import { createTandemServer } from '../server/index.js';
import { createDocumentSession, type DocumentSession } from '../client/session/session.js';
import { buildPages, fixtureUrl, launchBrowser, newUser } from '../test/helpers/browser.js';
import { removeTempDir } from '../test/helpers/temp-dir.js';

interface FrameStats {
  phase: string;
  users: number;
  hz: number;
  seconds: number;
  frames: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  longFrames: number;
  /** Main-thread time (script, style, layout, paint tasks) per frame, from Chromium's metrics. */
  busyMsPerFrame: number;
  scriptMsPerFrame: number;
  styleMsPerFrame: number;
  layoutMsPerFrame: number;
  pointersDrawn: number;
}

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '50' },
    hz: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
  },
});
const users = Number(values.users);
const hz = Number(values.hz);
const seconds = Number(values.seconds);
const DOC = 'frames-bench';
// y-websocket adds a process 'exit' listener per provider; the remote users are one process here.
process.setMaxListeners(users + 20);

/** Starts a remote user whose pointer follows a smooth Lissajous path at `hz` updates per second. */
function startMover(wsUrl: string, index: number): { session: DocumentSession; stop(): void } {
  const session = createDocumentSession({
    serverUrl: wsUrl,
    documentName: DOC,
    WebSocketImpl: WebSocket as unknown as typeof globalThis.WebSocket,
    crossTab: false,
    offline: false,
    warnOnUnload: false,
    cursorRate: hz,
  });
  const hue = Math.round((index * 360) / users);
  const color = `#${[0, 8, 4]
    .map((n) =>
      Math.round(255 * (0.5 - 0.4 * Math.cos(((hue / 30 + n) % 12) * (Math.PI / 6))))
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
  session.awareness.setLocalStateField('user', { name: `User ${index + 1}`, color });
  const phase = (index / users) * Math.PI * 2;
  const started = Date.now();
  const timer = setInterval(() => {
    const t = (Date.now() - started) / 1000;
    session.awareness.setLocalStateField('pointer', {
      x: Math.round(350 + 300 * Math.sin(t * 0.9 + phase)),
      y: Math.round(260 + 220 * Math.sin(t * 1.3 + phase * 2)),
    });
  }, 1000 / hz);
  return { session, stop: () => clearInterval(timer) };
}

/**
 * Runs in the page: records the gaps between animation frames for `ms` milliseconds, counts long
 * animation frames, and how many pointers are drawn. Passed as source text because tsx wraps
 * named functions in a helper that does not exist inside the page.
 */
const MEASURE_IN_PAGE = `async (ms) => {
  const gaps = [];
  let long = 0;
  const observer = PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')
    ? new PerformanceObserver((list) => { long += list.getEntries().length; })
    : null;
  observer?.observe({ type: 'long-animation-frame' });
  await new Promise((resolve) => {
    let last = performance.now();
    const end = last + ms;
    const frame = (now) => {
      gaps.push(now - last);
      last = now;
      if (now < end) requestAnimationFrame(frame);
      else resolve();
    };
    requestAnimationFrame(frame);
  });
  observer?.disconnect();
  return { gaps, long, pointers: document.querySelectorAll('.tandem-pointer').length };
}`;

function table(rows: FrameStats[]): string {
  const header = ['phase', 'users', 'frames', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'long frames', 'busy ms/frame', 'script', 'style', 'layout', 'pointers'];
  const lines = rows.map((r) =>
    [
      r.phase,
      r.users,
      r.frames,
      r.p50Ms,
      r.p95Ms,
      r.p99Ms,
      r.maxMs,
      r.longFrames,
      r.busyMsPerFrame,
      r.scriptMsPerFrame,
      r.styleMsPerFrame,
      r.layoutMsPerFrame,
      r.pointersDrawn,
    ].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => (line[i] ?? '').length)));
  const format = (cells: string[]): string => cells.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  ');
  return [format(header), ...lines.map(format)].join('\n');
}

const pagesDir = await buildPages();
const server = await createTandemServer({
  port: 0,
  store: createMemoryStore(),
  staticDir: pagesDir,
  logLevel: 'warn',
  limits: { maxConnectionsPerIp: users + 10 },
});
const browser = await launchBrowser();
const movers: { session: DocumentSession; stop(): void }[] = [];
try {
  const page = await (await newUser(browser)).newPage();
  await page.goto(fixtureUrl(server.httpUrl, 'editor', { doc: DOC, name: 'Observer', color: '#111827' }));
  await page.waitForFunction(`window.tandem?.session.status.kind === 'live'`);

  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const metrics = async (): Promise<Map<string, number>> =>
    new Map((await cdp.send('Performance.getMetrics')).metrics.map((metric) => [metric.name, metric.value]));

  const measure = async (phase: string, count: number): Promise<FrameStats> => {
    const before = await metrics();
    const result = (await page.evaluate(`(${MEASURE_IN_PAGE})(${seconds * 1000})`)) as { gaps: number[]; long: number; pointers: number };
    const after = await metrics();
    const perFrame = (name: string): number =>
      Math.round((((after.get(name) ?? 0) - (before.get(name) ?? 0)) * 1000 * 100) / Math.max(1, result.gaps.length)) / 100;
    const sorted = result.gaps.slice(1).sort((a, b) => a - b);
    const at = (q: number): number => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 100) / 100;
    return {
      phase,
      users: count,
      hz,
      seconds,
      frames: sorted.length,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      p99Ms: at(0.99),
      maxMs: Math.round((sorted.at(-1) ?? 0) * 100) / 100,
      longFrames: result.long,
      busyMsPerFrame: perFrame('TaskDuration'),
      scriptMsPerFrame: perFrame('ScriptDuration'),
      styleMsPerFrame: perFrame('RecalcStyleDuration'),
      layoutMsPerFrame: perFrame('LayoutDuration'),
      pointersDrawn: result.pointers,
    };
  };

  const rows: FrameStats[] = [await measure('baseline', 0)];
  for (let i = 0; i < users; i++) movers.push(startMover(server.wsUrl, i));
  await page.waitForFunction(`document.querySelectorAll('.tandem-pointer').length >= ${users}`, undefined, { timeout: 30_000 });
  rows.push(await measure('pointers', users));
  for (const row of rows) console.log(JSON.stringify({ bench: 'client-frames', ...row }));
  console.log(table(rows));
} finally {
  for (const mover of movers) {
    mover.stop();
    mover.session.destroy();
  }
  await browser.close();
  await server.close();
  await removeTempDir(pagesDir);
}
