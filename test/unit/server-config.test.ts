/** The server's configuration: flags over environment over defaults, and bad values named. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../shared/limits.js';
import { ConfigError, DEFAULT_CONFIG, envName, parseCommand, resolveLimits } from '../../server/config.js';

describe('config', () => {
  it('defaults to serve on 127.0.0.1:1234 with ./data and the default limits', () => {
    const { verb, help, config } = parseCommand([], {}, '/app');
    expect(verb).toBe('serve');
    expect(help).toBe(false);
    expect(config).toEqual({ ...DEFAULT_CONFIG, staticDir: '/app' });
  });

  it('reads flags in both --name value and --name=value forms', () => {
    const { config } = parseCommand(
      ['serve', '--port', '4000', '--host=0.0.0.0', '--data', '/srv/d', '--max-frame-bytes=1024', '--byte-burst', '2048'],
      {},
      null,
    );
    expect(config).toMatchObject({ port: 4000, host: '0.0.0.0', dataDir: '/srv/d' });
    expect(config.limits).toEqual({ ...DEFAULT_LIMITS, maxFrameBytes: 1024, byteBurst: 2048 });
  });

  it('reads TANDEM_* variables, and a flag wins over its variable', () => {
    const env = { TANDEM_PORT: '5000', TANDEM_LOG_LEVEL: 'debug', TANDEM_MESSAGES_PER_SECOND: '7', TANDEM_UNLOAD_GRACE_MS: '0' };
    const { config } = parseCommand(['--port', '6000'], env, null);
    expect(config).toMatchObject({ port: 6000, logLevel: 'debug', unloadGraceMs: 0 });
    expect(config.limits.messagesPerSecond).toBe(7);
  });

  it('reads how long a deleted document keeps its tombstone, and names a bad value', () => {
    expect(parseCommand([], {}, null).config.deletedDocumentTtlMs).toBe(7 * 24 * 60 * 60 * 1000);
    expect(parseCommand(['--deleted-document-ttl-ms', '0'], {}, null).config.deletedDocumentTtlMs).toBe(0);
    expect(parseCommand([], { TANDEM_DELETED_DOCUMENT_TTL_MS: '60000' }, null).config.deletedDocumentTtlMs).toBe(60_000);
    expect(() => parseCommand(['--deleted-document-ttl-ms', '-1'], {}, null)).toThrow(/--deleted-document-ttl-ms/);
  });

  it('mirrors every flag as an environment variable', () => {
    expect(envName('max-unsent-bytes')).toBe('TANDEM_MAX_UNSENT_BYTES');
    expect(envName('port')).toBe('TANDEM_PORT');
  });

  it('reads --sync-writes alone as true, and true/false values from flags and variables', () => {
    expect(parseCommand(['--sync-writes'], {}, null).config.syncWrites).toBe(true);
    expect(parseCommand(['--sync-writes', '--port', '5'], {}, null).config).toMatchObject({ syncWrites: true, port: 5 });
    expect(parseCommand(['--sync-writes=false'], { TANDEM_SYNC_WRITES: 'true' }, null).config.syncWrites).toBe(false);
    expect(parseCommand([], { TANDEM_SYNC_WRITES: '1' }, null).config.syncWrites).toBe(true);
    expect(() => parseCommand([], { TANDEM_SYNC_WRITES: 'yes please' }, null)).toThrow(/TANDEM_SYNC_WRITES/);
  });

  it('turns the demo app off with --static-dir none', () => {
    expect(parseCommand(['--static-dir', 'none'], {}, '/app').config.staticDir).toBeNull();
  });

  it.each([
    [['--port', '-1'], '--port'],
    [['--port', '1.5'], '--port'],
    [['--heartbeat-interval-ms', '0'], '--heartbeat-interval-ms'],
    [['--log-level', 'chatty'], '--log-level'],
    [['--wat'], '--wat'],
    [['--data'], '--data'],
    [['--data', '--port', '1'], '--data'],
    [['serve', 'extra'], 'extra'],
  ])('refuses %j naming %s', (argv, flag) => {
    const error = (() => {
      try {
        parseCommand(argv, {}, null);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).flag).toBe(flag);
  });

  it('names the variable when the bad value came from the environment', () => {
    expect(() => parseCommand([], { TANDEM_MAX_LOADED_ROOMS: 'lots' }, null)).toThrow(/TANDEM_MAX_LOADED_ROOMS/);
  });

  it('requires the byte bucket to hold one largest frame', () => {
    expect(() => resolveLimits({ maxFrameBytes: 100, byteBurst: 99 })).toThrow(/--byte-burst/);
    expect(resolveLimits({ maxFrameBytes: 100, byteBurst: 100 }).byteBurst).toBe(100);
  });

  it('refuses limits that are not positive whole numbers', () => {
    expect(() => resolveLimits({ maxConnectionsPerIp: 0 })).toThrow(/--max-connections-per-ip/);
    expect(() => resolveLimits({ messagesPerSecond: 2.5 })).toThrow(/--messages-per-second/);
  });
});
