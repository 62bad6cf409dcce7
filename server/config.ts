/**
 * The server's configuration: one typed, validated object built from flags and environment
 * variables (each flag `--some-name` mirrors `TANDEM_SOME_NAME`; a flag wins over the variable).
 * This is the only module that reads the environment, and only from what the CLI passes in.
 */
import { DEFAULT_LIMITS, type Limits } from '../shared/limits.js';
import { LOG_LEVELS, isLogLevel, type LogLevel } from './observability/logger.js';

/** Everything `tandem serve` and {@link createTandemServer} need. */
export interface TandemConfig {
  port: number;
  host: string;
  dataDir: string;
  /** fsync every storage batch before acknowledging it (survives power loss, costs latency). */
  syncWrites: boolean;
  /** The built demo app served at `/`; null serves none. */
  staticDir: string | null;
  limits: Limits;
  heartbeatIntervalMs: number;
  unloadGraceMs: number;
  logLevel: LogLevel;
}

/** Defaults of everything but `staticDir`, which depends on where the package is installed. */
export const DEFAULT_CONFIG: Readonly<Omit<TandemConfig, 'staticDir'>> = Object.freeze({
  port: 1234,
  host: '127.0.0.1',
  dataDir: './data',
  syncWrites: false,
  limits: DEFAULT_LIMITS,
  heartbeatIntervalMs: 30_000,
  unloadGraceMs: 30_000,
  logLevel: 'info',
});

/** A flag or variable with a bad value; the message names it. The CLI exits 2. */
export class ConfigError extends Error {
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(`${flag}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Setting = 'port' | 'host' | 'dataDir' | 'syncWrites' | 'staticDir' | 'heartbeatIntervalMs' | 'unloadGraceMs' | 'logLevel' | keyof Limits;

/** kebab-case flag name (without `--`) of each setting; limits use their field names. */
const FLAG_NAMES: Readonly<Record<Setting, string>> = {
  port: 'port',
  host: 'host',
  dataDir: 'data',
  syncWrites: 'sync-writes',
  staticDir: 'static-dir',
  logLevel: 'log-level',
  heartbeatIntervalMs: 'heartbeat-interval-ms',
  unloadGraceMs: 'unload-grace-ms',
  ...(Object.fromEntries(
    Object.keys(DEFAULT_LIMITS).map((field) => [field, field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)]),
  ) as Record<keyof Limits, string>),
};

const LIMIT_FIELDS = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];

/** Flags that may stand alone (`--sync-writes` means `--sync-writes=true`). */
const SWITCHES: ReadonlySet<string> = new Set([FLAG_NAMES.syncWrites]);

/** The environment variable mirroring a flag: `max-frame-bytes` -> `TANDEM_MAX_FRAME_BYTES`. */
export function envName(flag: string): string {
  return `TANDEM_${flag.toUpperCase().replace(/-/g, '_')}`;
}

function parseBoolean(flag: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(flag, `expected true or false, got '${raw}'`);
}

function parseInteger(flag: string, raw: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(flag, `expected a whole number, got '${raw}'`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(flag, `expected ${min}..${max}, got ${value}`);
  return value;
}

/**
 * Checks a full set of limits: every value a positive integer, and the byte bucket able to hold
 * one largest frame (else a legal frame could never pass).
 */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const field of LIMIT_FIELDS) {
    const value = limits[field];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ConfigError(`--${FLAG_NAMES[field]}`, `expected a positive whole number, got ${value}`);
    }
  }
  if (limits.byteBurst < limits.maxFrameBytes) {
    throw new ConfigError(`--${FLAG_NAMES.byteBurst}`, `must be at least --${FLAG_NAMES.maxFrameBytes} (${limits.maxFrameBytes})`);
  }
  return limits;
}

/** Reads `--name value`, `--name=value` pairs; returns the values by flag name and the positionals. */
function readFlags(argv: readonly string[]): { flags: Map<string, string>; positionals: string[]; help: boolean } {
  const known = new Set(Object.values(FLAG_NAMES));
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (!known.has(name)) throw new ConfigError(`--${name}`, 'unknown flag (see --help)');
    if (eq === -1 && SWITCHES.has(name)) {
      flags.set(name, 'true');
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new ConfigError(`--${name}`, 'needs a value');
    flags.set(name, value);
  }
  return { flags, positionals, help };
}

/** The result of parsing a `serve` command line. */
export interface ParsedCommand {
  verb: string;
  help: boolean;
  config: TandemConfig;
}

/**
 * Parses `tandem [verb] [flags]` with `env` underneath the flags. `staticDir` is the default demo
 * app folder; `--static-dir none` turns it off.
 */
export function parseCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, staticDir: string | null): ParsedCommand {
  const { flags, positionals, help } = readFlags(argv);
  if (positionals.length > 1) throw new ConfigError(positionals[1] as string, 'unexpected argument');
  const raw = (setting: Setting): { flag: string; value: string } | null => {
    const name = FLAG_NAMES[setting];
    const fromFlag = flags.get(name);
    if (fromFlag !== undefined) return { flag: `--${name}`, value: fromFlag };
    const fromEnv = env[envName(name)];
    return fromEnv === undefined || fromEnv === '' ? null : { flag: envName(name), value: fromEnv };
  };
  const integer = (setting: Setting, fallback: number, min: number, max?: number): number => {
    const found = raw(setting);
    return found === null ? fallback : parseInteger(found.flag, found.value, min, max);
  };
  const logLevel = raw('logLevel');
  if (logLevel !== null && !isLogLevel(logLevel.value)) {
    throw new ConfigError(logLevel.flag, `expected one of ${LOG_LEVELS.join(', ')}, got '${logLevel.value}'`);
  }
  const staticSetting = raw('staticDir');
  const syncWrites = raw('syncWrites');
  const limits: Partial<Limits> = {};
  for (const field of LIMIT_FIELDS) {
    const found = raw(field);
    if (found !== null) limits[field] = parseInteger(found.flag, found.value, 1);
  }
  const config: TandemConfig = {
    port: integer('port', DEFAULT_CONFIG.port, 0, 65_535),
    host: raw('host')?.value ?? DEFAULT_CONFIG.host,
    dataDir: raw('dataDir')?.value ?? DEFAULT_CONFIG.dataDir,
    syncWrites: syncWrites === null ? DEFAULT_CONFIG.syncWrites : parseBoolean(syncWrites.flag, syncWrites.value),
    staticDir: staticSetting === null ? staticDir : staticSetting.value === 'none' ? null : staticSetting.value,
    limits: resolveLimits(limits),
    heartbeatIntervalMs: integer('heartbeatIntervalMs', DEFAULT_CONFIG.heartbeatIntervalMs, 1),
    unloadGraceMs: integer('unloadGraceMs', DEFAULT_CONFIG.unloadGraceMs, 0),
    logLevel: (logLevel?.value as LogLevel | undefined) ?? DEFAULT_CONFIG.logLevel,
  };
  return { verb: positionals[0] ?? 'serve', help, config };
}

/** The `--help` text: every flag, its variable and its default. */
export function usage(staticDir: string | null): string {
  const rows: [string, string][] = [
    ['port', `port to listen on, 0 = any free port (default ${DEFAULT_CONFIG.port})`],
    ['host', `address to listen on; 0.0.0.0 for every interface (default ${DEFAULT_CONFIG.host})`],
    ['data', `LevelDB data directory (default ${DEFAULT_CONFIG.dataDir})`],
    ['sync-writes', 'fsync each storage batch before acknowledging it: survives power loss, adds latency (default false)'],
    ['static-dir', `demo app to serve at /, 'none' for none (default ${staticDir ?? 'none'})`],
    ['log-level', `${LOG_LEVELS.join('|')} (default ${DEFAULT_CONFIG.logLevel})`],
    ['heartbeat-interval-ms', `ping interval; no pong by the next ping drops the socket (default ${DEFAULT_CONFIG.heartbeatIntervalMs})`],
    ['unload-grace-ms', `how long an empty document stays loaded (default ${DEFAULT_CONFIG.unloadGraceMs})`],
    ...LIMIT_FIELDS.map((field): [string, string] => [FLAG_NAMES[field], `limit (default ${DEFAULT_LIMITS[field]})`]),
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 4;
  return [
    'Usage: tandem [serve] [flags]',
    '',
    'Starts the Tandem sync server. Every flag --name also reads the environment variable TANDEM_NAME.',
    '',
    ...rows.map(([flag, text]) => `  --${flag.padEnd(width)}${text}  [${envName(flag)}]`),
    '  --help, -h',
  ].join('\n');
}
