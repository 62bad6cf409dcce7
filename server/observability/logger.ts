/** Structured logs: one pino logger per server, so tests can run several servers at different levels. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** Levels pino accepts, from the noisiest; `silent` turns logging off. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** True when `value` names a level pino accepts. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** A JSON-lines logger writing to stdout at `level`. */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'tandem' } });
}
