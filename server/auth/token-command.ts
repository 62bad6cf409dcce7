/**
 * `tandem token`: the flags of the command that mints a token for local use, read into the
 * options of {@link mintToken}. The secret comes from the same flag and variable as the server's.
 */
import { isHexColor, MAX_USER_NAME_LENGTH } from '../../shared/presence.js';
import { ConfigError, rawSetting, readFlags } from '../flags.js';
import { InvalidGrantError, parseGrant } from './access.js';
import { parseDurationSeconds } from './duration.js';
import { MIN_SECRET_LENGTH, type MintOptions } from './tokens.js';

const FLAGS: ReadonlySet<string> = new Set(['sub', 'name', 'color', 'doc', 'ttl', 'admin', 'auth-secret']);
const SWITCHES: ReadonlySet<string> = new Set(['admin']);

/** Lifetime of a token when `--ttl` is not given. */
export const DEFAULT_TOKEN_TTL = '1h';

/** `tandem token --help`. */
export const TOKEN_USAGE = `Usage: tandem token --sub ID --doc PATTERN:read|write [--doc ...] [--name NAME] [--color #rrggbb] [--ttl ${DEFAULT_TOKEN_TTL}] [--admin]

Prints a token signed with --auth-secret (or TANDEM_AUTH_SECRET), alone on stdout, so that
TOKEN=$(tandem token ...) works.

  --sub ID                  the user id (required)
  --doc PATTERN:read|write  a grant, repeatable; * matches any run of characters (team-*:write, wiki/*:read)
  --name NAME               the name others see
  --color #rrggbb           the caret colour others see
  --ttl DURATION            lifetime such as 90s, 15m, 1h, 7d (default ${DEFAULT_TOKEN_TTL})
  --admin                   may delete documents and call admin endpoints
  --auth-secret SECRET      the server's HS256 secret [TANDEM_AUTH_SECRET]`;

/** What `tandem token` was asked for: mint options, or help. */
export type TokenCommand = { help: true } | { help: false; mint: MintOptions };

/**
 * Parses `tandem token` flags (without the verb) with `env` under them. Throws a
 * {@link ConfigError} naming the flag for anything missing or malformed.
 */
export function parseTokenCommand(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): TokenCommand {
  const { flags, positionals, help } = readFlags(argv, FLAGS, SWITCHES);
  if (help) return { help: true };
  if (positionals.length > 0) throw new ConfigError(positionals[0] as string, 'unexpected argument');
  const secret = rawSetting('auth-secret', flags, env);
  if (secret === null) throw new ConfigError('--auth-secret', 'tandem token signs with the shared secret: set --auth-secret or TANDEM_AUTH_SECRET');
  if (secret.value.length < MIN_SECRET_LENGTH) throw new ConfigError(secret.flag, `must be at least ${MIN_SECRET_LENGTH} characters`);
  const single = (name: string): string | undefined => flags.get(name)?.at(-1);
  const subject = single('sub');
  if (subject === undefined || subject === '') throw new ConfigError('--sub', 'the user id is required');
  const name = single('name');
  if (name !== undefined && (name.length === 0 || name.length > MAX_USER_NAME_LENGTH)) {
    throw new ConfigError('--name', `expected 1..${MAX_USER_NAME_LENGTH} characters`);
  }
  const color = single('color');
  if (color !== undefined && !isHexColor(color)) throw new ConfigError('--color', `expected #rrggbb, got '${color}'`);
  const docs = flags.get('doc') ?? [];
  if (docs.length === 0) throw new ConfigError('--doc', 'at least one grant is required, e.g. --doc "team-*:write"');
  const grants = docs.map((doc) => {
    try {
      return parseGrant(doc);
    } catch (error) {
      if (error instanceof InvalidGrantError) throw new ConfigError('--doc', error.message);
      throw error;
    }
  });
  const ttl = single('ttl') ?? DEFAULT_TOKEN_TTL;
  const ttlSeconds = parseDurationSeconds(ttl);
  if (ttlSeconds === null) throw new ConfigError('--ttl', `expected a duration such as 90s, 15m, 1h or 7d, got '${ttl}'`);
  const admin = single('admin');
  if (admin !== undefined && admin !== 'true' && admin !== 'false') throw new ConfigError('--admin', `expected true or false, got '${admin}'`);
  const mint: MintOptions = { secret: secret.value, subject, grants, ttlSeconds, admin: admin === 'true' };
  if (name !== undefined) mint.name = name;
  if (color !== undefined) mint.color = color;
  return { help: false, mint };
}
