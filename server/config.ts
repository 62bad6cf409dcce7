/**
 * The server's configuration: one typed, validated object built from flags and environment
 * variables (each flag `--some-name` mirrors `TANDEM_SOME_NAME`; a flag wins over the variable).
 * This is the only module that reads the environment, and only from what the CLI passes in.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_LIMITS, type Limits } from '../shared/limits.js';
import type { VerificationKey } from './auth/tokens.js';
import { ConfigError, parseBoolean, parseInteger, rawSetting, readFlags, type RawSetting } from './flags.js';
import { LOG_FORMATS, LOG_LEVELS, isLogFormat, isLogLevel, type LogFormat, type LogLevel } from './observability/logger.js';
import { DOCUMENT_FORMATS, isDocumentFormat } from './api/formats.js';
import { WEBHOOK_DEFAULTS, type WebhookOptions } from './api/webhooks.js';
import { parseOrigins, readAuth, readTls, type TlsOptions } from './security-settings.js';

export { ConfigError, envName, rawSetting, readFlags, type FlagValues, type RawSetting } from './flags.js';
export type { TlsOptions } from './security-settings.js';

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
  /**
   * How long a deleted document keeps its tombstone: until then a connection to its name is
   * refused with 4410, so that a stale client (a tab left open) cannot write the whole document
   * back; re-creating it through the HTTP API lifts it at once.
   */
  deletedDocumentTtlMs: number;
  logLevel: LogLevel;
  /** `json` (one JSON object a line, for log collectors) or `pretty` (coloured lines for a terminal). */
  logFormat: LogFormat;
  /** How tokens are verified; null is open mode (no token needed). */
  auth: VerificationKey | null;
  /** Origins (`https://app.example.com`) a browser may connect from; null allows every origin. */
  allowedOrigins: string[] | null;
  /** Serve https and wss with this certificate; null serves plain http and ws. */
  tls: TlsOptions | null;
  /** Take the client address from the last X-Forwarded-For entry (behind one reverse proxy). */
  trustProxy: boolean;
  /** Let read-only connections publish presence (carets, names). */
  readOnlyPresence: boolean;
  /** Where `document.changed` events go, and how; null sends none. */
  webhook: WebhookOptions | null;
  /** PostgreSQL connection string: documents live there instead of LevelDB; null uses LevelDB. */
  databaseUrl: string | null;
  /** Redis URL (comma-separated nodes for a Redis Cluster): cluster fan-out; null runs alone. */
  redisUrl: string | null;
  /** This instance's id in the cluster; absent picks a random one at start. */
  instanceId?: string;
  /** At most one automatic version per document per this many ms of editing; 0 takes none. */
  versionIntervalMs: number;
  /** Versions kept per document (the oldest automatic ones go first). */
  maxVersions: number;
  /**
   * An ES module (absolute path) whose default export is an array of Tiptap extensions: the
   * server's schema is the default one plus these (server/api/server-extensions.ts); null for
   * the default schema alone.
   */
  extensions: string | null;
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
  deletedDocumentTtlMs: 7 * 24 * 60 * 60 * 1000,
  logLevel: 'info',
  logFormat: 'json',
  auth: null,
  allowedOrigins: null,
  tls: null,
  trustProxy: false,
  readOnlyPresence: false,
  webhook: null,
  databaseUrl: null,
  redisUrl: null,
  versionIntervalMs: 600_000,
  maxVersions: 200,
  extensions: null,
});

type Setting =
  | 'port'
  | 'host'
  | 'dataDir'
  | 'syncWrites'
  | 'staticDir'
  | 'heartbeatIntervalMs'
  | 'unloadGraceMs'
  | 'deletedDocumentTtlMs'
  | 'logLevel'
  | 'logFormat'
  | 'authSecret'
  | 'authPublicKey'
  | 'authJwks'
  | 'allowedOrigins'
  | 'tlsCert'
  | 'tlsKey'
  | 'trustProxy'
  | 'readOnlyPresence'
  | 'databaseUrl'
  | 'redisUrl'
  | 'instanceId'
  | 'webhookUrl'
  | 'webhookSecret'
  | 'webhookFormat'
  | 'webhookDebounceMs'
  | 'webhookMaxWaitMs'
  | 'webhookMaxAttempts'
  | 'versionIntervalMs'
  | 'maxVersions'
  | 'extensions'
  | keyof Limits;

/** kebab-case flag name (without `--`) of each setting; limits use their field names. */
const FLAG_NAMES: Readonly<Record<Setting, string>> = {
  port: 'port',
  host: 'host',
  dataDir: 'data',
  syncWrites: 'sync-writes',
  staticDir: 'static-dir',
  logLevel: 'log-level',
  logFormat: 'log-format',
  heartbeatIntervalMs: 'heartbeat-interval-ms',
  unloadGraceMs: 'unload-grace-ms',
  deletedDocumentTtlMs: 'deleted-document-ttl-ms',
  authSecret: 'auth-secret',
  authPublicKey: 'auth-public-key',
  authJwks: 'auth-jwks',
  allowedOrigins: 'allowed-origins',
  tlsCert: 'tls-cert',
  tlsKey: 'tls-key',
  trustProxy: 'trust-proxy',
  readOnlyPresence: 'read-only-presence',
  databaseUrl: 'database-url',
  redisUrl: 'redis-url',
  instanceId: 'instance-id',
  webhookUrl: 'webhook-url',
  webhookSecret: 'webhook-secret',
  webhookFormat: 'webhook-format',
  webhookDebounceMs: 'webhook-debounce-ms',
  webhookMaxWaitMs: 'webhook-max-wait-ms',
  webhookMaxAttempts: 'webhook-max-attempts',
  versionIntervalMs: 'version-interval-ms',
  maxVersions: 'max-versions',
  extensions: 'extensions',
  ...(Object.fromEntries(Object.keys(DEFAULT_LIMITS).map((field) => [field, field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)])) as Record<
    keyof Limits,
    string
  >),
};

/** Every limit's field name, in the order of shared/limits.ts. */
export const LIMIT_FIELDS = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];

/** The flag (without `--`) of a limit: `maxFrameBytes` -> `max-frame-bytes`. */
export function flagName(field: keyof Limits): string {
  return FLAG_NAMES[field];
}

const KNOWN_FLAGS: ReadonlySet<string> = new Set(Object.values(FLAG_NAMES));

/** Flags that may stand alone (`--sync-writes` means `--sync-writes=true`). */
const SWITCHES: ReadonlySet<string> = new Set([FLAG_NAMES.syncWrites, FLAG_NAMES.trustProxy, FLAG_NAMES.readOnlyPresence]);

/** The smallest heap a conversion worker loads in (measured: 16 MiB is too small). */
const MIN_CONVERSION_HEAP_MB = 32;

/**
 * Checks a full set of limits: every value a positive integer, the byte bucket able to hold one
 * largest frame (else a legal frame could never pass), a conversion heap a worker can load in.
 */
export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  const limits: Limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const field of LIMIT_FIELDS) {
    const value = limits[field];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new ConfigError(`--${FLAG_NAMES[field]}`, `expected a positive whole number, got ${value}`);
    }
  }
  if (limits.maxConversionHeapMb < MIN_CONVERSION_HEAP_MB) {
    throw new ConfigError(
      `--${FLAG_NAMES.maxConversionHeapMb}`,
      `must be at least ${MIN_CONVERSION_HEAP_MB}: a conversion worker needs that much to load the editor schema and its parsers`,
    );
  }
  if (limits.byteBurst < limits.maxFrameBytes) {
    throw new ConfigError(`--${FLAG_NAMES.byteBurst}`, `must be at least --${FLAG_NAMES.maxFrameBytes} (${limits.maxFrameBytes})`);
  }
  return limits;
}

/** The webhook settings, or null without --webhook-url. */
function readWebhook(raw: (setting: Setting) => RawSetting, integer: (setting: Setting, fallback: number, min: number) => number): WebhookOptions | null {
  const url = raw('webhookUrl');
  if (url === null) return null;
  if (!/^https?:\/\//.test(url.value)) throw new ConfigError(url.flag, `expected an http or https URL, got '${url.value}'`);
  const format = raw('webhookFormat');
  if (format !== null && !isDocumentFormat(format.value))
    throw new ConfigError(format.flag, `expected one of ${DOCUMENT_FORMATS.join(', ')}, got '${format.value}'`);
  return {
    ...WEBHOOK_DEFAULTS,
    url: url.value,
    secret: raw('webhookSecret')?.value ?? null,
    format: format !== null && isDocumentFormat(format.value) ? format.value : WEBHOOK_DEFAULTS.format,
    debounceMs: integer('webhookDebounceMs', WEBHOOK_DEFAULTS.debounceMs, 0),
    maxWaitMs: integer('webhookMaxWaitMs', WEBHOOK_DEFAULTS.maxWaitMs, 0),
    maxAttempts: integer('webhookMaxAttempts', WEBHOOK_DEFAULTS.maxAttempts, 1),
  };
}

/**
 * The extensions module's absolute path (relative ones from the working directory), or null when
 * not set. Only its existence is checked here; what it exports, when the server starts.
 */
function readExtensionsPath(setting: RawSetting): string | null {
  if (setting === null) return null;
  const path = resolve(setting.value);
  if (!existsSync(path)) throw new ConfigError(setting.flag, `no module at ${path}`);
  return path;
}

/**
 * A connection URL with one of `protocols` (e.g. `redis:`), several comma-separated hosts
 * allowed after the first (`redis://a:6379,b:6379`); null when not set.
 */
function readServiceUrl(setting: RawSetting, protocols: readonly string[]): string | null {
  if (setting === null) return null;
  const [first, ...more] = setting.value.split(',');
  let url: URL;
  try {
    url = new URL(first as string);
  } catch {
    throw new ConfigError(setting.flag, `'${setting.value}' is not a URL such as ${protocols[0]}//host:port`);
  }
  if (!protocols.includes(url.protocol)) throw new ConfigError(setting.flag, `expected a ${protocols.join(' or ')} URL, got '${url.protocol}'`);
  if (more.some((host) => !/^[^\s/,]+:\d+$/.test(host))) throw new ConfigError(setting.flag, 'list further nodes as host:port, comma-separated');
  return setting.value;
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
  const { flags, positionals, help } = readFlags(argv, KNOWN_FLAGS, SWITCHES);
  if (positionals.length > 1) throw new ConfigError(positionals[1] as string, 'unexpected argument');
  const raw = (setting: Setting): RawSetting => rawSetting(FLAG_NAMES[setting], flags, env);
  const boolean = (setting: Setting, fallback: boolean): boolean => {
    const found = raw(setting);
    return found === null ? fallback : parseBoolean(found.flag, found.value);
  };
  const integer = (setting: Setting, fallback: number, min: number, max?: number): number => {
    const found = raw(setting);
    return found === null ? fallback : parseInteger(found.flag, found.value, min, max);
  };
  const logLevel = raw('logLevel');
  if (logLevel !== null && !isLogLevel(logLevel.value)) {
    throw new ConfigError(logLevel.flag, `expected one of ${LOG_LEVELS.join(', ')}, got '${logLevel.value}'`);
  }
  const logFormat = raw('logFormat');
  if (logFormat !== null && !isLogFormat(logFormat.value)) {
    throw new ConfigError(logFormat.flag, `expected one of ${LOG_FORMATS.join(', ')}, got '${logFormat.value}'`);
  }
  const staticSetting = raw('staticDir');
  const origins = raw('allowedOrigins');
  const limits: Partial<Limits> = {};
  for (const field of LIMIT_FIELDS) {
    const found = raw(field);
    if (found !== null) limits[field] = parseInteger(found.flag, found.value, 1);
  }
  const config: TandemConfig = {
    port: integer('port', DEFAULT_CONFIG.port, 0, 65_535),
    host: raw('host')?.value ?? DEFAULT_CONFIG.host,
    dataDir: raw('dataDir')?.value ?? DEFAULT_CONFIG.dataDir,
    syncWrites: boolean('syncWrites', DEFAULT_CONFIG.syncWrites),
    staticDir: staticSetting === null ? staticDir : staticSetting.value === 'none' ? null : staticSetting.value,
    limits: resolveLimits(limits),
    heartbeatIntervalMs: integer('heartbeatIntervalMs', DEFAULT_CONFIG.heartbeatIntervalMs, 1),
    unloadGraceMs: integer('unloadGraceMs', DEFAULT_CONFIG.unloadGraceMs, 0),
    deletedDocumentTtlMs: integer('deletedDocumentTtlMs', DEFAULT_CONFIG.deletedDocumentTtlMs, 0),
    logLevel: (logLevel?.value as LogLevel | undefined) ?? DEFAULT_CONFIG.logLevel,
    logFormat: (logFormat?.value as LogFormat | undefined) ?? DEFAULT_CONFIG.logFormat,
    auth: readAuth({ secret: raw('authSecret'), publicKey: raw('authPublicKey'), jwks: raw('authJwks') }),
    allowedOrigins: origins === null ? null : parseOrigins(origins.flag, origins.value),
    tls: readTls(raw('tlsCert'), raw('tlsKey')),
    trustProxy: boolean('trustProxy', DEFAULT_CONFIG.trustProxy),
    readOnlyPresence: boolean('readOnlyPresence', DEFAULT_CONFIG.readOnlyPresence),
    databaseUrl: readServiceUrl(raw('databaseUrl'), ['postgresql:', 'postgres:']),
    redisUrl: readServiceUrl(raw('redisUrl'), ['redis:', 'rediss:']),
    webhook: readWebhook(raw, integer),
    versionIntervalMs: integer('versionIntervalMs', DEFAULT_CONFIG.versionIntervalMs, 0),
    maxVersions: integer('maxVersions', DEFAULT_CONFIG.maxVersions, 1),
    extensions: readExtensionsPath(raw('extensions')),
  };
  const instanceId = raw('instanceId');
  if (instanceId !== null) config.instanceId = instanceId.value;
  return { verb: positionals[0] ?? 'serve', help, config };
}
