/**
 * The hostile workload: a live typing workload with a loop of hostile document imports beside it
 * (HTTP PUTs of bodies that are expensive to convert: thousands of `<p>x</p>`, of lines, a run of
 * `[` as Markdown), one after another for the whole run. It measures what the typists feel while
 * conversions run: their edit-to-peer latency, and how the PUTs were answered. Tandem only (the
 * raw relay has no document API).
 */
import { runLive, type LiveMeasurement, type LiveSpec } from './live-run.js';
import type { ServerUnderTest } from './server-process.js';

/**
 * The bodies the loop sends in turn. Each is within the default conversion limits, so every
 * server, with or without conversion workers, converts it: the comparison is where the work runs,
 * not whether it is refused.
 */
const HOSTILE_BODIES: readonly { format: string; body: string }[] = [
  { format: 'html', body: '<p>x</p>'.repeat(2_500) },
  { format: 'markdown', body: '['.repeat(64 * 1024) },
  { format: 'text', body: 'x\n'.repeat(2_500) },
];

/** What one run of the hostile workload measured: the typists' figures and the PUTs'. */
export interface HostileMeasurement extends LiveMeasurement {
  /** PUTs answered during the run. */
  puts: number;
  /** Their HTTP statuses, with counts (0: the request failed without an answer). */
  putStatuses: Record<string, number>;
  /** The slowest PUT, ms. */
  slowestPutMs: number;
}

/** Runs `spec` against `server` with the hostile PUT loop beside it for the whole run. */
export async function runHostile(server: ServerUnderTest, spec: LiveSpec): Promise<HostileMeasurement> {
  const httpUrl = server.wsUrl.replace(/^ws/, 'http');
  const putStatuses: Record<string, number> = {};
  let puts = 0;
  let slowestPutMs = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const { format, body } = HOSTILE_BODIES[puts % HOSTILE_BODIES.length]!;
      const started = performance.now();
      let status = 0;
      try {
        const response = await fetch(`${httpUrl}/api/documents/hostile-${puts}?format=${format}`, { method: 'PUT', body });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        // Counted as status 0: a server that dropped the request is what this workload looks for.
      }
      slowestPutMs = Math.max(slowestPutMs, performance.now() - started);
      putStatuses[status] = (putStatuses[status] ?? 0) + 1;
      puts++;
    }
  })();
  let live: LiveMeasurement;
  try {
    live = await runLive(server, spec);
  } finally {
    running = false;
    await loop;
  }
  return { ...live, puts, putStatuses, slowestPutMs };
}
