// `--web [HOST:]PORT`: where the browser view listens. The default host is 127.0.0.1, so nothing but this
// machine can see the stream unless the user names another address (which prints a warning: the view has
// no login, and a stream shows whoever is in the room).
import { isIPv6 } from 'node:net';
import { PoseEdgeError } from '../../errors.ts';
import { isAllowed, parseAllowList } from '../stream/udp-allow.ts';

export class WebAddressError extends PoseEdgeError {}

export interface WebAddress {
  host: string;
  port: number;
}

export const DEFAULT_WEB_HOST = '127.0.0.1';

/** Parses `PORT`, `HOST:PORT` or `[IPv6]:PORT`; errors name the flag and the value. */
export function parseWebAddress(spec: string, flag = '--web'): WebAddress {
  const bad = (why: string) => new WebAddressError(`${flag} '${spec}': ${why} (give [HOST:]PORT, e.g. 8080, 127.0.0.1:8080 or [::1]:8080; PORT 0 picks a free port)`);
  const s = spec.trim();
  let host = DEFAULT_WEB_HOST;
  let port = s;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(s);
  if (v6) {
    if (!isIPv6(v6[1])) throw bad(`'${v6[1]}' is not an IPv6 address`);
    [host, port] = [v6[1], v6[2]];
  } else if (s.includes(':')) {
    const i = s.lastIndexOf(':');
    host = s.slice(0, i);
    port = s.slice(i + 1);
    if (host.includes(':')) throw bad('an IPv6 address goes in brackets');
    if (!/^[A-Za-z0-9.-]+$/.test(host)) throw bad(`'${host}' is not a host name or address`);
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw bad('the port must be a whole number in 0..65535');
  return { host, port: Number(port) };
}

const LOOPBACK = parseAllowList('127.0.0.0/8,::1');

/** Whether an address a server is bound to is a loopback address (IPv4-mapped forms included). */
export function isLoopbackAddress(address: string): boolean {
  return isAllowed(LOOPBACK, address);
}

/** The URL a person opens for a server bound to `address`:`port` (a wildcard bind is opened on loopback). */
export function viewUrl(address: string, port: number): string {
  if (address === '0.0.0.0' || address === '::ffff:0.0.0.0') return `http://127.0.0.1:${port}/`;
  if (address === '::') return `http://[::1]:${port}/`;
  return isIPv6(address) ? `http://[${address}]:${port}/` : `http://${address}:${port}/`;
}
