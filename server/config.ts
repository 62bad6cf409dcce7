/**
 * The server's configuration: one typed, validated object built from flags and environment
 * variables (each flag `--some-name` mirrors `TANDEM_SOME_NAME`; a flag wins over the variable).
 * This is the only module that reads the environment, and only from what the CLI passes in.
 */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { DEFAULT_LIMITS, type Limits } from '../shared/limits.js';
import { KeyError, readVerificationKey, type KeySource } from './auth/keys.js';
import type { VerificationKey } from './auth/tokens.js';
import { LOG_LEVELS, isLogLevel, type LogLevel } from './observability/logger.js';
import { DOCUMENT_FORMATS, isDocumentFormat } from './api/convert.js';
import { WEBHOOK_DEFAULTS, type WebhookOptions } from './api/webhooks.js';

/** A certificate chain and its private key, both PEM, for serving https and wss directly. */
export interface TlsOptions {
  cert: string;
  key: string;
}

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
  auth: null,
  allowedOrigins: null,
  tls: null,
  trustProxy: false,
  readOnlyPresence: false,
  webhook: null,
  databaseUrl: null,
  redisUrl: null,
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

type Setting =
  | 'port'
  | 'host'
  | 'dataDir'
  | 'syncWrites'
  | 'staticDir'
  | 'heartbeatIntervalMs'
  | 'unloadGraceMs'
  | 'logLevel'
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
  | keyof Limits;

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
  ...(Object.fromEntries(
    Object.keys(DEFAULT_LIMITS).map((field) => [field, field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)]),
  ) as Record<keyof Limits, string>),
};

const LIMIT_FIELDS = Object.keys(DEFAULT_LIMITS) as (keyof Limits)[];

const KNOWN_FLAGS: ReadonlySet<string> = new Set(Object.values(FLAG_NAMES));

/** Flags that may stand alone (`--sync-writes` means `--sync-writes=true`). */
const SWITCHES: ReadonlySet<string> = new Set([FLAG_NAMES.syncWrites, FLAG_NAMES.trustProxy, FLAG_NAMES.readOnlyPresence]);

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

/** What {@link readFlags} found on a command line. */
export interface FlagValues {
  /** Every value given for each flag, in order (a repeated flag has several). */
  flags: Map<string, string[]>;
  positionals: string[];
  help: boolean;
}

/**
 * Reads `--name value` and `--name=value` pairs of the flags in `known`; a flag in `switches` may
 * stand alone and then means `true`. Throws a {@link ConfigError} for an unknown flag or a
 * missing value.
 */
export function readFlags(argv: readonly string[], known: ReadonlySet<string>, switches: ReadonlySet<string>): FlagValues {
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  let help = false;
  const add = (name: string, value: string): void => {
    const values = flags.get(name);
    if (values === undefined) flags.set(name, [value]);
    else values.push(value);
  };
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
    if (eq === -1 && switches.has(name)) {
      add(name, 'true');
      continue;
    }
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || (eq === -1 && value.startsWith('--'))) throw new ConfigError(`--${name}`, 'needs a value');
    add(name, value);
  }
  return { flags, positionals, help };
}

/** A flag's value from the command line, else from its environment variable, with where it came from. */
export type RawSetting = { flag: string; value: string } | null;

/** The last value of flag `name` in `flags`, else its variable in `env`; null when neither is set. */
export function rawSetting(name: string, flags: ReadonlyMap<string, readonly string[]>, env: Readonly<Record<string, string | undefined>>): RawSetting {
  const fromFlag = flags.get(name)?.at(-1);
  if (fromFlag !== undefined) return { flag: `--${name}`, value: fromFlag };
  const fromEnv = env[envName(name)];
  return fromEnv === undefined || fromEnv === '' ? null : { flag: envName(name), value: fromEnv };
}

/** The configured verification key: at most one of the three key flags. */
function readAuth(found: { secret: RawSetting; publicKey: RawSetting; jwks: RawSetting }): VerificationKey | null {
  const given = [
    found.secret && { setting: found.secret, source: { kind: 'secret', secret: found.secret.value } as KeySource },
    found.publicKey && { setting: found.publicKey, source: { kind: 'public-key', path: found.publicKey.value } as KeySource },
    found.jwks && { setting: found.jwks, source: { kind: 'jwks', path: found.jwks.value } as KeySource },
  ].filter((entry) => entry !== null);
  if (given.length === 0) return null;
  if (given.length > 1) {
    throw new ConfigError(given.map(({ setting }) => setting.flag).join(' and '), 'give only one of --auth-secret, --auth-public-key, --auth-jwks');
  }
  const [{ setting, source }] = given as [(typeof given)[number]];
  try {
    return readVerificationKey(source);
  } catch (error) {
    if (error instanceof KeyError) throw new ConfigError(setting.flag, error.message);
    throw error;
  }
}

/** Normalises each origin of a comma list to its serialised form (`https://host[:port]`). */
export function parseOrigins(flag: string, raw: string): string[] {
  const origins = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (origins.length === 0) throw new ConfigError(flag, 'expected a comma-separated list of origins');
  return origins.map((entry) => {
    let origin: string;
    try {
      origin = new URL(entry).origin;
    } catch {
      throw new ConfigError(flag, `'${entry}' is not an origin such as https://app.example.com`);
    }
    if (origin === 'null') throw new ConfigError(flag, `'${entry}' is not an origin such as https://app.example.com`);
    return origin;
  });
}

function readPem(setting: NonNullable<RawSetting>): string {
  try {
    return readFileSync(setting.value, 'utf8');
  } catch (error) {
    throw new ConfigError(setting.flag, `cannot read '${setting.value}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The certificate and key, both or neither, checked by building a TLS context from them. */
function readTls(cert: RawSetting, key: RawSetting): TlsOptions | null {
  if (cert === null && key === null) return null;
  if (cert === null || key === null) {
    throw new ConfigError((cert ?? key)?.flag ?? '--tls-cert', 'give both --tls-cert and --tls-key');
  }
  const tls = { cert: readPem(cert), key: readPem(key) };
  try {
    createSecureContext(tls);
  } catch (error) {
    throw new ConfigError(`${cert.flag} and ${key.flag}`, `not a usable certificate and key: ${error instanceof Error ? error.message : String(error)}`);
  }
  return tls;
}

/** The webhook settings, or null without --webhook-url. */
function readWebhook(raw: (setting: Setting) => RawSetting, integer: (setting: Setting, fallback: number, min: number) => number): WebhookOptions | null {
  const url = raw('webhookUrl');
  if (url === null) return null;
  if (!/^https?:\/\//.test(url.value)) throw new ConfigError(url.flag, `expected an http or https URL, got '${url.value}'`);
  const format = raw('webhookFormat');
  if (format !== null && !isDocumentFormat(format.value)) throw new ConfigError(format.flag, `expected one of ${DOCUMENT_FORMATS.join(', ')}, got '${format.value}'`);
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
    logLevel: (logLevel?.value as LogLevel | undefined) ?? DEFAULT_CONFIG.logLevel,
    auth: readAuth({ secret: raw('authSecret'), publicKey: raw('authPublicKey'), jwks: raw('authJwks') }),
    allowedOrigins: origins === null ? null : parseOrigins(origins.flag, origins.value),
    tls: readTls(raw('tlsCert'), raw('tlsKey')),
    trustProxy: boolean('trustProxy', DEFAULT_CONFIG.trustProxy),
    readOnlyPresence: boolean('readOnlyPresence', DEFAULT_CONFIG.readOnlyPresence),
    databaseUrl: readServiceUrl(raw('databaseUrl'), ['postgresql:', 'postgres:']),
    redisUrl: readServiceUrl(raw('redisUrl'), ['redis:', 'rediss:']),
    webhook: readWebhook(raw, integer),
  };
  const instanceId = raw('instanceId');
  if (instanceId !== null) config.instanceId = instanceId.value;
  return { verb: positionals[0] ?? 'serve', help, config };
}

/** What each limit limits, for `--help`; the doc comments in shared/limits.ts say what each stops. */
const LIMIT_HELP: Readonly<Record<keyof Limits, string>> = {
  maxFrameBytes: 'largest WebSocket frame in bytes; a larger one closes with 1009',
  messagesPerSecond: 'messages per second one connection may sustain; past the burst it is closed with 4429',
  messageBurst: 'messages one connection may send at once before the per-second rate applies',
  bytesPerSecond: 'bytes per second one connection may sustain; past the burst it is closed with 4429',
  byteBurst: 'bytes one connection may send at once; at least --max-frame-bytes',
  maxConnectionsPerIp: 'open connections from one IP address; more are refused with HTTP 429',
  maxConnectionsPerRoom: 'open connections to one document; more are refused with HTTP 503',
  maxLoadedRooms: 'documents loaded in memory at once; a connection needing one more gets HTTP 503',
  maxUnsentBytes: 'bytes queued for a connection that does not read; past it it is closed with 1013',
  maxAwarenessStateBytes: 'bytes of one presence state (name, caret, pointer); a larger one closes with 4413',
  maxAwarenessClientsPerConnection: 'presence client ids one connection may introduce; one more closes with 4413',
  connectionAttemptsPerMinute: 'connection attempts per minute from one IP address; more are refused with HTTP 429',
  awarenessUpdatesPerSecond: 'presence messages per second one connection may sustain; past the burst it is closed with 4429',
  awarenessBurst: 'presence messages one connection may send at once before the per-second rate applies',
  handshakeTimeoutMs: 'ms a client has to send its request headers (and finish TLS); then HTTP 408',
  maxHeaderBytes: 'bytes of one request\'s headers, the token in the URL included; more gets HTTP 431',
};

/** The `--help` text: every flag, its variable and its default, and the `token` command. */
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
    ['auth-secret', 'HS256 shared secret (16+ characters): clients need ?token=<JWT>; without a key the server is open to anyone'],
    ['auth-public-key', 'PEM file of the public key (RSA, EC or Ed25519) that verifies tokens; instead of --auth-secret'],
    ['auth-jwks', 'JSON file with a JWKS of public keys that verify tokens (picked by kid); instead of --auth-secret'],
    ['allowed-origins', 'comma list of origins browsers may connect from, e.g. https://app.example.com (default any)'],
    ['tls-cert', 'PEM certificate chain: serve https and wss directly (with --tls-key)'],
    ['tls-key', 'PEM private key of --tls-cert'],
    ['trust-proxy', 'behind one reverse proxy: the client address is the last X-Forwarded-For entry (default false)'],
    ['read-only-presence', 'let read-only connections show their caret and name to others (default false)'],
    ['database-url', 'PostgreSQL connection string: keep documents there instead of --data, shared by several instances'],
    ['redis-url', 'Redis URL (several comma-separated nodes for a Redis Cluster): relay edits and presence between instances'],
    ['instance-id', 'this instance\'s id in the cluster, unique per process (default random)'],
    ['webhook-url', 'POST a signed document.changed event here after documents change (default none)'],
    ['webhook-secret', 'HMAC-SHA256 key: each event carries X-Tandem-Signature: sha256=<hex of the body>'],
    ['webhook-format', `content format in events: ${DOCUMENT_FORMATS.join('|')} (default ${WEBHOOK_DEFAULTS.format})`],
    ['webhook-debounce-ms', `quiet time after a change before its event (default ${WEBHOOK_DEFAULTS.debounceMs})`],
    ['webhook-max-wait-ms', `longest delay of an event after a document's first change (default ${WEBHOOK_DEFAULTS.maxWaitMs})`],
    ['webhook-max-attempts', `attempts per event, with exponential backoff and jitter, before giving up (default ${WEBHOOK_DEFAULTS.maxAttempts})`],
    ...LIMIT_FIELDS.map((field): [string, string] => [FLAG_NAMES[field], `${LIMIT_HELP[field]} (default ${DEFAULT_LIMITS[field]})`]),
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 4;
  return [
    'Usage: tandem [serve] [flags]',
    '       tandem token --sub ID [--name NAME] [--color #rrggbb] --doc PATTERN:read|write ... [--ttl 1h] [--admin]',
    '',
    'Starts the Tandem sync server. Every flag --name also reads the environment variable TANDEM_NAME.',
    '',
    ...rows.map(([flag, text]) => `  --${flag.padEnd(width)}${text}  [${envName(flag)}]`),
    '  --help, -h',
    '',
    "'tandem token' prints a token signed with --auth-secret (or TANDEM_AUTH_SECRET), alone on stdout.",
    '--doc is repeatable; * in a pattern matches any run of characters (team-*:write, wiki/*:read).',
  ].join('\n');
}
