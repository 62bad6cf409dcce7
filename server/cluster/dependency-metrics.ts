/**
 * Figures about what a cluster instance depends on, for `/metrics`: whether the fan-out and the
 * storage answer (read when scraped), and how often the database refused a write batch.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { DocumentStore } from '../storage/store.js';
import type { FanOut } from './fanout.js';

/** Counts a write batch the database refused (it is retried). */
export type RetryCounter = () => void;

/** Registers the gauges on `registry`; returns the counter the store's `onRetry` should call. */
export function registerDependencyMetrics(registry: Registry, fanOut: () => FanOut, store: () => DocumentStore): RetryCounter {
  const registers = [registry];
  new Gauge({
    name: 'tandem_fanout_up',
    help: '1 while the cluster fan-out (Redis) carries messages; always 1 without a cluster',
    registers,
    collect() {
      this.set(fanOut().ready() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tandem_storage_healthy',
    help: '1 while the storage takes writes; 0 while it is failing (a full disk, the database down) and retried until it heals',
    registers,
    collect() {
      this.set(store().health().state === 'ok' ? 1 : 0);
    },
  });
  const retries = new Counter({ name: 'tandem_storage_write_retries_total', help: 'Write batches the database refused and that were retried', registers });
  return () => retries.inc();
}
