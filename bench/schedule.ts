/**
 * Time in a run: one timer that keeps every client on its typing and awareness schedule, and
 * plain waits for warm-ups and measurement windows.
 */
import type { LoadClient } from './load-client.js';

/** Rates the schedule keeps, per client. */
export interface Rates {
  /** Keystrokes per second. */
  editRate: number;
  /** Awareness updates per second. */
  awarenessHz: number;
}

/** A running schedule. */
export interface Schedule {
  /** Keystrokes the schedule asked for up to now. */
  due(): number;
  stop(): void;
}

/**
 * One timer drives every client: each has a phase so that sends spread over the second, and
 * a client behind its schedule catches up at once, so the rate holds whatever the timer jitter.
 */
export function startSchedule(clients: readonly LoadClient[], spec: Rates): Schedule {
  const started = performance.now();
  const phases = clients.map((_, i) => (i * 0.6180339887) % 1);
  const dueAt = (rate: number, phase: number, seconds: number): number => Math.floor(seconds * rate + phase);
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    const seconds = (performance.now() - started) / 1000;
    for (let i = 0; i < clients.length; i++) {
      const client = clients[i]!;
      const phase = phases[i]!;
      const edits = dueAt(spec.editRate, phase, seconds);
      while (client.sent < edits && client.sendEdit()) {
        // sendEdit records the send time and advances client.sent.
      }
      const states = dueAt(spec.awarenessHz, phase, seconds) + 1; // +1: the state sent on joining
      while (client.awarenessSent < states) client.sendAwareness();
    }
    timer = setTimeout(tick, 1);
  };
  tick();
  return {
    due: () => {
      const seconds = (performance.now() - started) / 1000;
      return phases.reduce((sum, phase) => sum + dueAt(spec.editRate, phase, seconds), 0);
    },
    stop: () => clearTimeout(timer),
  };
}

/** Waits `ms`: the length of a warm-up or of a measurement window, never a synchronisation. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
