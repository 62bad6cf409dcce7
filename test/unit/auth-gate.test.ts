/**
 * The pieces of the upgrade gate and the auth configuration, one by one: client addresses and the
 * keys limits count them under, connection attempts per address, the presence stamp, the access
 * message, and the auth, origin and TLS settings.
 */
import type { IncomingMessage } from 'node:http';
import * as decoding from 'lib0/decoding';
import { describe, expect, it } from 'vitest';
import { MessageType, encodeAccess, readAccess } from '../../shared/protocol.js';
import { createPresenceStamp, displayName } from '../../server/auth/presence-stamp.js';
import { ConfigError, parseCommand } from '../../server/config.js';
import { parseOrigins } from '../../server/security-settings.js';
import { AttemptLimiter } from '../../server/transport/attempts.js';
import { addressKey, clientAddress } from '../../server/transport/client-address.js';
import { isLoopback } from '../../server/transport/loopback.js';
import { parseTarget } from '../../server/transport/http.js';

function request(remoteAddress: string, forwarded?: string): IncomingMessage {
  return { socket: { remoteAddress }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } } as unknown as IncomingMessage;
}

describe('client addresses', () => {
  it('is the socket peer unless the proxy is trusted, then the last forwarded entry', () => {
    expect(clientAddress(request('10.0.0.1', '1.2.3.4'), false)).toBe('10.0.0.1');
    expect(clientAddress(request('10.0.0.1', '6.6.6.6, 1.2.3.4'), true)).toBe('1.2.3.4');
    expect(clientAddress(request('10.0.0.1', 'not-an-ip'), true)).toBe('10.0.0.1');
    expect(clientAddress(request('10.0.0.1'), true)).toBe('10.0.0.1');
  });

  it('counts IPv4 as is, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0000:0002::9')).toBe('2001:db8:0:2::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  it('knows loopback addresses from the rest', () => {
    expect(['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1'].map(isLoopback)).toEqual([true, true, true, true]);
    expect(['0.0.0.0', '::', '10.0.0.1', '192.168.1.2'].map(isLoopback)).toEqual([false, false, false, false]);
  });

  it('splits request targets a URL parser would refuse or resolve', () => {
    expect(parseTarget('//')).toMatchObject({ pathname: '//' });
    expect(parseTarget('/a/../b?token=x&tandem=1').pathname).toBe('/a/../b');
    expect(parseTarget('/doc?token=x&tandem=1').searchParams.get('token')).toBe('x');
    expect(parseTarget(undefined).pathname).toBe('/');
  });
});

describe('connection attempts', () => {
  it('admits a minute worth at once per address, then one more per refill, and forgets refilled addresses', () => {
    const limiter = new AttemptLimiter(3, 0);
    expect([1, 2, 3, 4].map(() => limiter.admit('a', 0))).toEqual([true, true, true, false]);
    expect(limiter.admit('b', 0)).toBe(true);
    expect(limiter.admit('a', 19_999)).toBe(false);
    expect(limiter.admit('a', 20_000)).toBe(true);
    expect(limiter.size).toBe(2);
    limiter.admit('c', 200_000);
    expect(limiter.size).toBe(1);
  });
});

describe('presence stamp', () => {
  const stamp = createPresenceStamp({ name: 'Alice', color: '#112233' });

  it('writes the token identity over the claimed one and keeps every other field', () => {
    const state = JSON.parse(stamp(JSON.stringify({ user: { name: 'Mallory', color: '#ff0000', avatar: 'x' }, cursor: null }))) as unknown;
    expect(state).toEqual({ user: { name: 'Alice', color: '#112233', avatar: 'x' }, cursor: null });
  });

  it('adds a user to a state without one and keeps the client colour when the token has none', () => {
    expect(JSON.parse(stamp('{}'))).toEqual({ user: { name: 'Alice', color: '#112233' } });
    const plain = createPresenceStamp({ name: 'Bo', color: null });
    expect(JSON.parse(plain('{"user":{"name":"x","color":"#010203"}}'))).toEqual({ user: { name: 'Bo', color: '#010203' } });
  });

  it('is deterministic, so an unchanged renewal is still recognised', () => {
    const text = JSON.stringify({ user: { name: 'M' }, pointer: { x: 1, y: 2 } });
    expect(stamp(text)).toBe(stamp(text));
  });

  it('throws for text that is not a JSON object', () => {
    for (const text of ['[1]', '"x"', '3', 'null', '{"a":']) expect(() => stamp(text), text).toThrow();
  });

  it('names a user by the subject when the token has no name, cut to the longest name peers accept', () => {
    expect(displayName(null, 'user-1')).toBe('user-1');
    expect(displayName(null, 'x'.repeat(100))).toHaveLength(64);
  });
});

describe('access message', () => {
  it('round-trips read and write', () => {
    for (const canWrite of [true, false]) {
      const decoder = decoding.createDecoder(encodeAccess(canWrite));
      expect(decoding.readVarUint(decoder)).toBe(MessageType.Access);
      expect(readAccess(decoder)).toBe(canWrite);
    }
  });
});

describe('auth settings', () => {
  it('reads a secret from the flag or TANDEM_AUTH_SECRET, and is open mode without one', () => {
    expect(parseCommand([], {}, null).config.auth).toBeNull();
    expect(parseCommand([], { TANDEM_AUTH_SECRET: 'a-secret-that-is-long' }, null).config.auth).toEqual({ kind: 'secret', secret: 'a-secret-that-is-long' });
    expect(parseCommand(['--auth-secret', 'flag-secret-that-is-long'], { TANDEM_AUTH_SECRET: 'a-secret-that-is-long' }, null).config.auth).toEqual({
      kind: 'secret',
      secret: 'flag-secret-that-is-long',
    });
  });

  it('normalises allowed origins and refuses what is not one', () => {
    expect(parseOrigins('--allowed-origins', 'https://App.Example.com:443/path, http://localhost:5173')).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(() => parseOrigins('--allowed-origins', 'file:///etc')).toThrow(ConfigError);
    expect(() => parseOrigins('--allowed-origins', ' , ')).toThrow(/--allowed-origins/);
  });

  it('reads the switches alone and from variables', () => {
    const { config } = parseCommand(['--trust-proxy', '--read-only-presence'], {}, null);
    expect([config.trustProxy, config.readOnlyPresence]).toEqual([true, true]);
    expect(parseCommand([], { TANDEM_TRUST_PROXY: 'false' }, null).config.trustProxy).toBe(false);
  });

  it('wants a certificate and its key together', () => {
    expect(() => parseCommand(['--tls-key', '/k.pem'], {}, null)).toThrow(/--tls-key: give both --tls-cert and --tls-key/);
  });
});
