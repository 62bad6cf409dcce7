/** Structured logs: one pino logger per server, so tests can run several servers at different levels. */
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** Levels pino accepts, from the noisiest; `silent` turns logging off. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `json`: one object a line on stdout, for collectors; `pretty`: readable lines for a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** True when `value` names a level pino accepts. */
export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** True when `value` names a log format. */
export function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}

/** A logger writing to stdout at `level`, as JSON lines or, with `pretty`, as pino-pretty lines. */
export function createLogger(level: LogLevel, format: LogFormat = 'json'): Logger {
  const options = { level, base: { service: 'tandem' } };
  if (format === 'json') return pino(options);
  // Synchronous, in this thread: a log line written just before an exit is never lost, and a
  // terminal's volume of lines does not need a worker.
  return pino(options, pretty({ sync: true, colorize: process.stdout.isTTY, ignore: 'service,pid,hostname' }));
}
