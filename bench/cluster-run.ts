/**
 * Cluster benchmark: the same typing load served by 1, 2 and 3 instances (child processes over
 * one Redis and one PostgreSQL started here), clients spread evenly over the instances; and the
 * cost of the Redis hop (writer and reader on one instance, then on two).
 *
 *   node --import tsx bench/cluster-run.ts [--seconds 6] [--docs 4] [--clients 6] [--rate 10]
 */
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { startPostgres } from '../test/helpers/postgres.js';
import { startRedis } from '../test/helpers/redis.js';
import { spawnServer, type ChildServer } from '../test/helpers/server.js';
import { makeTempDir, removeTempDir } from '../test/helpers/temp-dir.js';
import { waitFor } from '../test/helpers/wait-for.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '6' },
    docs: { type: 'string', default: '4' },
    clients: { type: 'string', default: '6' },
    rate: { type: 'string', default: '10' },
  },
});
const SECONDS = Number(values.seconds);
const DOCS = Number(values.docs);
const CLIENTS = Number(values.clients);
const RATE = Number(values.rate);

interface Result {
  run: string;
  instances: number;
  sent: number;
  delivered: number;
  expected: number;
  deliveredPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : Number((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number).toFixed(1));
}

/** Clients of `name` placed on `urls` (client i on urls[i % n]); each types RATE tokens per second. */
async function measure(run: string, urls: string[], docs: number, clients: number, instances: number): Promise<Result> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const all: { doc: Y.Doc; provider: WebsocketProvider }[] = [];
  for (let d = 0; d < docs; d++) {
    for (let c = 0; c < clients; c++) {
      const doc = new Y.Doc();
      const provider = new WebsocketProvider(urls[c % urls.length] as string, `${run}-${d}`, doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        disableBc: true,
      });
      doc.getArray<string>('log').observe((event) => {
        if (event.transaction.local) return;
        const now = performance.now();
        for (const change of event.changes.delta) {
          for (const token of (change.insert as string[] | undefined) ?? []) {
            const at = sentAt.get(token);
            if (at !== undefined) latencies.push(now - at);
          }
        }
      });
      all.push({ doc, provider });
    }
  }
  await waitFor(() => all.every(({ provider }) => provider.synced), { timeout: 30_000, message: 'clients synced' });
  let sent = 0;
  const timers = all.map(({ doc }, i) =>
    setInterval(() => {
      const token = `${i}:${sent++}`;
      sentAt.set(token, performance.now());
      doc.getArray<string>('log').push([token]);
    }, 1000 / RATE),
  );
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  for (const timer of timers) clearInterval(timer);
  const expected = sent * (clients - 1);
  // Let the tail arrive (bounded), then stop counting.
  await waitFor(() => latencies.length >= expected, { timeout: 10_000 }).catch(() => undefined);
  for (const { doc, provider } of all) {
    provider.destroy();
    doc.destroy();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    run,
    instances,
    sent,
    delivered: latencies.length,
    expected,
    deliveredPerSecond: Math.round(latencies.length / SECONDS),
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
  };
}

const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
const dataDir = await makeTempDir('tandem-bench-cluster-');
const results: Result[] = [];
try {
  for (const count of [1, 2, 3]) {
    const db = await postgres.createDatabase();
    const servers: ChildServer[] = [];
    for (let i = 0; i < count; i++) {
      servers.push(await spawnServer(dataDir, 0, ['--database-url', db, '--redis-url', redis.url, '--instance-id', `i${i}`, '--log-level', 'info']));
    }
    try {
      const urls = servers.map((server) => server.wsUrl);
      results.push(await measure(`load-${count}`, urls, DOCS, CLIENTS, count));
      if (count === 2) {
        results.push(await measure('hop-same-instance', [urls[0] as string], 1, 2, 1));
        results.push(await measure('hop-across-redis', urls, 1, 2, 2));
      }
    } finally {
      for (const server of servers) server.process.kill('SIGTERM');
      await Promise.all(servers.map((server) => server.exited));
    }
  }
} finally {
  await Promise.all([redis.destroy(), postgres.destroy(), removeTempDir(dataDir)]);
}
for (const result of results) console.log(JSON.stringify(result));
console.table(results);
