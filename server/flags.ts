/**
 * Reading command lines: `--name value` and `--name=value` flags, each mirrored by an environment
 * variable `TANDEM_NAME`, and the one error type for a bad flag or value (the CLI exits 2).
 */

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

/** The environment variable mirroring a flag: `max-frame-bytes` -> `TANDEM_MAX_FRAME_BYTES`. */
export function envName(flag: string): string {
  return `TANDEM_${flag.toUpperCase().replace(/-/g, '_')}`;
}

/** `true`/`1` or `false`/`0`; throws a {@link ConfigError} naming `flag` otherwise. */
export function parseBoolean(flag: string, raw: string): boolean {
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new ConfigError(flag, `expected true or false, got '${raw}'`);
}

/** A whole number in `min..max`; throws a {@link ConfigError} naming `flag` otherwise. */
export function parseInteger(flag: string, raw: string, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(flag, `expected a whole number, got '${raw}'`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(flag, `expected ${min}..${max}, got ${value}`);
  return value;
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
