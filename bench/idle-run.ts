/**
 * The idle and many workloads: connections that did the handshake and sent one awareness state,
 * then do nothing (idle: 10 per document; many: one per document, 10,000 documents). Measures
 * the server's resident memory at each count, the slope per connection, and how long the joins
 * took.
 */
import { Ledger } from './ledger.js';
import { LoadClient, closeCounts, joinAll } from './load-client.js';
import { delay } from './schedule.js';
import { framingFor } from './framing.js';
import { holdsDocuments, type ServerUnderTest } from './server-process.js';

/** What the idle workload measured. */
export interface IdleMeasurement {
  /** Connections per document. */
  perDocument: number;
  /**
   * Connection counts, the server's RSS (MB) at each, starting with no connection, and the
   * seconds it took to open the connections added for that count (handshake and sync step 2).
   */
  points: Array<{ connections: number; rssMB: number; joinSeconds: number }>;
  /** Least-squares slope of RSS over the counts above zero, in KB per connection. */
  kbPerConnection: number;
  /** Close codes of sockets the server closed, with counts. */
  closes: Record<string, number>;
}

/**
 * Opens connections up to each count in `counts` (ascending), `perDocument` to a document and
 * `concurrency` at a time, and reads RSS once the server is quiet.
 */
export async function runIdle(server: ServerUnderTest, counts: readonly number[], perDocument: number, concurrency?: number): Promise<IdleMeasurement> {
  const ledger = new Ledger();
  const clients: LoadClient[] = [];
  const points = [{ connections: 0, rssMB: (await quietRss(server)) / 2 ** 20, joinSeconds: 0 }];
  try {
    for (const count of counts) {
      const added: LoadClient[] = [];
      for (let i = clients.length; i < count; i++) {
        const clientId = i + 1;
        const user = { name: `Idle ${clientId}`, color: '#3366cc' };
        const url = `${server.wsUrl}/idle-${Math.floor(i / perDocument)}`;
        added.push(
          new LoadClient({
            url,
            framing: framingFor(server.protocol, url),
            clientId,
            frames: [],
            updates: [],
            awarenessStates: [JSON.stringify({ user, cursor: null, pointer: null })],
            ledger,
          }),
        );
      }
      clients.push(...added);
      const joinStarted = performance.now();
      await joinAll(added, holdsDocuments(server.kind), concurrency);
      const joinSeconds = (performance.now() - joinStarted) / 1000;
      for (const client of added) client.sendAwareness();
      points.push({ connections: count, rssMB: (await quietRss(server)) / 2 ** 20, joinSeconds });
    }
    return { perDocument, points, kbPerConnection: slope(points.slice(1).map((p) => [p.connections, p.rssMB * 1024])), closes: closeCounts(clients) };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/** RSS once the server has stopped working: the median of five samples 100 ms apart. */
async function quietRss(server: ServerUnderTest): Promise<number> {
  await untilQuiet(server);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(server.rssBytes());
    await delay(100);
  }
  return samples.sort((a, b) => a - b)[2]!;
}

/** Resolves once the server's CPU time has not moved for 300 ms, or after `timeoutMs` regardless. */
export async function untilQuiet(server: ServerUnderTest, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let cpu = server.cpuSeconds();
  for (;;) {
    await delay(300);
    const now = server.cpuSeconds();
    if (now === cpu || Date.now() > deadline) return;
    cpu = now;
  }
}

/** Least-squares slope of y over x. */
export function slope(points: ReadonlyArray<readonly [number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}
