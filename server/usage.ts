/** The `--help` text of the `tandem` command. */
import { DEFAULT_LIMITS, type Limits } from '../shared/limits.js';
import { DOCUMENT_FORMATS } from './api/formats.js';
import { ADMIN_USAGE } from './cli/admin.js';
import { WEBHOOK_DEFAULTS } from './api/webhooks.js';
import { DEFAULT_CONFIG, LIMIT_FIELDS, flagName } from './config.js';
import { envName } from './flags.js';
import { LOG_FORMATS, LOG_LEVELS } from './observability/logger.js';

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
  maxHeaderBytes: "bytes of one request's headers, the token in the URL included; more gets HTTP 431",
  maxConversionBytes: 'bytes of an HTML, Markdown, text or JSON body an import converts; more gets HTTP 413',
  maxConversionNodes: 'nodes (blocks, text runs) of a document an import or export converts; more gets HTTP 413',
  maxConversionDepth: 'nesting depth of a document an import or export converts; deeper gets HTTP 422',
  conversionTimeoutMs: 'ms one conversion may run in its worker thread; then the worker is replaced and HTTP 422',
  maxConversionHeapMb: 'MiB of heap of each conversion worker thread; past it the worker is replaced and HTTP 413',
  conversionWorkers: 'worker threads converting documents (imports, exports, webhooks) at once',
  maxQueuedConversions: 'conversions waiting for a worker; more get HTTP 503 with Retry-After',
  maxPendingUpdateBytes: 'bytes of updates a document holds while they wait for changes they depend on; past it their senders are closed with 4524',
  maxPendingUpdateAgeMs: 'ms an update may wait for changes it depends on; then its sender is closed with 4524',
};

/** The `--help` text: the commands, then every flag of `serve` with its variable and default. */
export function usage(staticDir: string | null): string {
  const rows: [string, string][] = [
    ['port', `port to listen on, 0 = any free port (default ${DEFAULT_CONFIG.port})`],
    ['host', `address to listen on; 0.0.0.0 for every interface (default ${DEFAULT_CONFIG.host})`],
    ['data', `LevelDB data directory (default ${DEFAULT_CONFIG.dataDir})`],
    ['sync-writes', 'fsync each storage batch before acknowledging it: survives power loss, adds latency (default false)'],
    ['static-dir', `demo app to serve at /, 'none' for none (default ${staticDir ?? 'none'})`],
    ['log-level', `${LOG_LEVELS.join('|')} (default ${DEFAULT_CONFIG.logLevel}); debug adds connections opened and closed, rooms loaded and unloaded`],
    ['log-format', `${LOG_FORMATS.join('|')}: JSON lines, or readable lines for a terminal (default ${DEFAULT_CONFIG.logFormat})`],
    ['heartbeat-interval-ms', `ping interval; no pong by the next ping drops the socket (default ${DEFAULT_CONFIG.heartbeatIntervalMs})`],
    ['unload-grace-ms', `how long an empty document stays loaded (default ${DEFAULT_CONFIG.unloadGraceMs})`],
    [
      'deleted-document-ttl-ms',
      `how long a deleted document's name refuses connections with 4410, so stale clients cannot write it back; 0 for not at all (default ${DEFAULT_CONFIG.deletedDocumentTtlMs})`,
    ],
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
    ['instance-id', "this instance's id in the cluster, unique per process (default random)"],
    ['webhook-url', 'POST a signed document.changed event here after documents change (default none)'],
    ['webhook-secret', 'HMAC-SHA256 key: each event carries X-Tandem-Signature: sha256=<hex of the body>'],
    ['webhook-format', `content format in events: ${DOCUMENT_FORMATS.join('|')} (default ${WEBHOOK_DEFAULTS.format})`],
    ['webhook-debounce-ms', `quiet time after a change before its event (default ${WEBHOOK_DEFAULTS.debounceMs})`],
    ['webhook-max-wait-ms', `longest delay of an event after a document's first change (default ${WEBHOOK_DEFAULTS.maxWaitMs})`],
    ['webhook-max-attempts', `attempts per event, with exponential backoff and jitter, before giving up (default ${WEBHOOK_DEFAULTS.maxAttempts})`],
    [
      'version-interval-ms',
      `at most one automatic version of a document per this much editing, and one when its last client leaves; 0 for none (default ${DEFAULT_CONFIG.versionIntervalMs})`,
    ],
    ['max-versions', `versions kept per document; the oldest automatic ones go first (default ${DEFAULT_CONFIG.maxVersions})`],
    [
      'extensions',
      'ES module whose default export is an array of Tiptap extensions, added to the schema of HTML and Markdown exports and imports (default none)',
    ],
    ...LIMIT_FIELDS.map((field): [string, string] => [flagName(field), `${LIMIT_HELP[field]} (default ${DEFAULT_LIMITS[field]})`]),
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 4;
  return [
    'Usage: tandem [serve] [flags]     start the sync server (the default command)',
    '       tandem token [flags]       print a token signed with the server secret',
    '       tandem <admin command>     see below',
    '',
    ADMIN_USAGE,
    '',
    'Flags of serve (every flag --name also reads the environment variable TANDEM_NAME):',
    '',
    ...rows.map(([flag, text]) => `  --${flag.padEnd(width)}${text}  [${envName(flag)}]`),
    '  --help, -h',
    '',
    "Run 'tandem token --help' or 'tandem <admin command> --help' for the flags of the other commands.",
  ].join('\n');
}
