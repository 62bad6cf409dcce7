import { describe, expect, it } from 'vitest';
import { ConfigError, parseCommand } from '../../server/config.js';

function serve(argv: string[], env: Record<string, string> = {}) {
  return parseCommand(argv, env, null).config;
}

describe('cluster settings', () => {
  it('runs alone on LevelDB unless told otherwise', () => {
    const config = serve([]);
    expect([config.redisUrl, config.databaseUrl, config.instanceId]).toEqual([null, null, undefined]);
  });

  it('reads --redis-url, --database-url and --instance-id, or their environment variables', () => {
    expect(serve(['--redis-url', 'redis://cache:6379', '--database-url', 'postgresql://tandem@db/tandem', '--instance-id', 'eu-1'])).toMatchObject({
      redisUrl: 'redis://cache:6379',
      databaseUrl: 'postgresql://tandem@db/tandem',
      instanceId: 'eu-1',
    });
    expect(serve([], { TANDEM_REDIS_URL: 'rediss://cache:6380', TANDEM_DATABASE_URL: 'postgres://db/t', TANDEM_INSTANCE_ID: 'b' })).toMatchObject({
      redisUrl: 'rediss://cache:6380',
      databaseUrl: 'postgres://db/t',
      instanceId: 'b',
    });
  });

  it('accepts the nodes of a Redis Cluster as one comma-separated URL', () => {
    expect(serve(['--redis-url', 'redis://a:7000,b:7001,c:7002']).redisUrl).toBe('redis://a:7000,b:7001,c:7002');
  });

  it.each([
    ['--redis-url', 'cache:6379'],
    ['--redis-url', 'http://cache:6379'],
    ['--redis-url', 'redis://a:7000,not a node'],
    ['--database-url', 'mysql://db/tandem'],
  ])('refuses %s %s with a message naming the flag', (flag, value) => {
    expect(() => serve([flag, value])).toThrow(ConfigError);
    expect(() => serve([flag, value])).toThrow(flag);
  });
});
