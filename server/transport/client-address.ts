/**
 * Who a request comes from, for the per-address limits and the logs. Behind a reverse proxy every
 * request comes from the proxy, so with `trustProxy` the address is the last X-Forwarded-For
 * entry: the one the proxy itself appended, which the client cannot forge (entries further left
 * are whatever the client sent).
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** The client's address: the socket's peer, or with `trustProxy` the proxy's last X-Forwarded-For entry. */
export function clientAddress(request: IncomingMessage, trustProxy: boolean): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const header = request.headers['x-forwarded-for'];
  const list = Array.isArray(header) ? header.join(',') : header;
  const last = list?.split(',').at(-1)?.trim();
  return last !== undefined && isIP(last) !== 0 ? last : peer;
}

/**
 * The key per-address limits count under: IPv4 addresses as they are (IPv4-mapped IPv6 too),
 * IPv6 addresses by their /64 prefix, since one host is routinely given a whole /64 and could
 * otherwise take a fresh address for every connection.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1] as string;
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.split('%')[0]?.split('::') ?? [];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
