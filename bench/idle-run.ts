/**
 * The idle workload: connections that did the handshake and sent one awareness state, then do
 * nothing. Measures the server's resident memory at each count and the slope per connection.
 */
import { Ledger } from './ledger.js';
import { LoadClient, closeCounts, joinAll } from './load-client.js';
import { delay } from './schedule.js';
import { framingFor } from './framing.js';
import { holdsDocuments, type ServerUnderTest } from './server-process.js';

/** Connections per document, as the issue sets. */
const PER_DOCUMENT = 10;

/** What the idle workload measured. */
export interface IdleMeasurement {
  /** Connection counts and the server's RSS (MB) at each, starting with no connection. */
  points: Array<{ connections: number; rssMB: number }>;
  /** Least-squares slope of RSS over the counts above zero, in KB per connection. */
  kbPerConnection: number;
  /** Close codes of sockets the server closed, with counts. */
  closes: Record<string, number>;
}

/** Opens connections up to each count in `counts` (ascending) and reads RSS once the server is quiet. */
export async function runIdle(server: ServerUnderTest, counts: readonly number[]): Promise<IdleMeasurement> {
  const ledger = new Ledger();
  const clients: LoadClient[] = [];
  const points = [{ connections: 0, rssMB: (await quietRss(server)) / 2 ** 20 }];
  try {
    for (const count of counts) {
      const added: LoadClient[] = [];
      for (let i = clients.length; i < count; i++) {
        const clientId = i + 1;
        const user = { name: `Idle ${clientId}`, color: '#3366cc' };
        const url = `${server.wsUrl}/idle-${Math.floor(i / PER_DOCUMENT)}`;
        added.push(new LoadClient({
          url,
          framing: framingFor(server.protocol, url),
          clientId,
          frames: [],
          updates: [],
          awarenessStates: [JSON.stringify({ user, cursor: null, pointer: null })],
          ledger,
        }));
      }
      clients.push(...added);
      await joinAll(added, holdsDocuments(server.kind));
      for (const client of added) client.sendAwareness();
      points.push({ connections: count, rssMB: (await quietRss(server)) / 2 ** 20 });
    }
    return { points, kbPerConnection: slope(points.slice(1).map((p) => [p.connections, p.rssMB * 1024])), closes: closeCounts(clients) };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

/**
 * RSS once the server has stopped working: CPU time unchanged over 300 ms (at most 10 s), then
 * the median of five samples 100 ms apart.
 */
async function quietRss(server: ServerUnderTest): Promise<number> {
  const deadline = Date.now() + 10_000;
  let cpu = server.cpuSeconds();
  for (;;) {
    await delay(300);
    const now = server.cpuSeconds();
    if (now === cpu || Date.now() > deadline) break;
    cpu = now;
  }
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(server.rssBytes());
    await delay(100);
  }
  return samples.sort((a, b) => a - b)[2]!;
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
