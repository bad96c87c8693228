// `stream --udp-allow ADDR[,ADDR...]`: which senders may feed CSI frames over UDP. Anyone who can reach the
// port can otherwise inject CSI into a recording, so datagrams from other addresses are dropped (and
// counted). Entries are IPv4 or IPv6 addresses or CIDR ranges (`192.168.4.0/24`, `fd00::/8`, `::1`).
//
// Every address is compared as 16 bytes with IPv4 in its IPv4-mapped IPv6 form (::ffff:a.b.c.d, prefix
// 96 + n), because a dual-stack socket listening on `::` reports IPv4 senders that way: `10.0.0.0/8` and
// `::ffff:10.0.0.0/104` are the same range and both match a sender seen as 10.1.2.3 or ::ffff:10.1.2.3.
import { isIPv4, isIPv6 } from 'node:net';
import { PoseEdgeError } from '../../errors.ts';

export class UdpAllowError extends PoseEdgeError {}

export interface AddressRange {
  /** As the user wrote it, for messages. */
  text: string;
  /** The network address, 16 bytes (IPv4 mapped), host bits cleared. */
  bytes: Uint8Array;
  /** Prefix length over the 16 bytes, 0..128. */
  prefix: number;
}

const V4_MAPPED_PREFIX = 96;

function v4Bytes(s: string): Uint8Array {
  const b = new Uint8Array(16);
  b[10] = 0xff;
  b[11] = 0xff;
  s.split('.').forEach((part, i) => (b[12 + i] = Number(part)));
  return b;
}

/** A valid IPv6 text (net.isIPv6, no zone id) to 16 bytes; handles `::` and an embedded dotted IPv4 tail. */
function v6Bytes(s: string): Uint8Array {
  const b = new Uint8Array(16);
  let text = s;
  if (s.includes('.')) {
    const cut = s.lastIndexOf(':') + 1;
    b.set(v4Bytes(s.slice(cut)).subarray(12), 12);
    text = `${s.slice(0, cut)}0:0`;
  }
  const [left, right] = text.split('::');
  const l = left ? left.split(':') : [];
  const r = right === undefined ? [] : right ? right.split(':') : [];
  const groups = right === undefined ? l : [...l, ...new Array<string>(8 - l.length - r.length).fill('0'), ...r];
  groups.forEach((g, i) => {
    if (i >= 6 && s.includes('.')) return; // the dotted tail is already in place
    const v = parseInt(g, 16);
    b[2 * i] = v >> 8;
    b[2 * i + 1] = v & 0xff;
  });
  return b;
}

/** 16 bytes for an IPv4 or IPv6 address (a zone id such as %eth0 is ignored), or null if it is not one. */
export function addressBytes(address: string): Uint8Array | null {
  const a = address.replace(/%[^%]*$/, '');
  if (isIPv4(a)) return v4Bytes(a);
  if (isIPv6(a)) return v6Bytes(a);
  return null;
}

function isV4MappedBytes(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function bad(flag: string, entry: string, why: string): UdpAllowError {
  return new UdpAllowError(`${flag}: '${entry}' ${why} (give IPv4 or IPv6 addresses or CIDR ranges, comma-separated, e.g. 192.168.4.0/24,fd00::/8)`);
}

/** Parses one entry: an address, or address/prefix. */
export function parseRange(entry: string, flag = '--udp-allow'): AddressRange {
  const text = entry.trim();
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  if (addr.includes('%')) throw bad(flag, entry, 'has a zone id, which a range cannot use');
  const v4 = isIPv4(addr);
  if (!v4 && !isIPv6(addr)) throw bad(flag, entry, 'is not an IP address or CIDR range');
  const max = v4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) throw bad(flag, entry, `has a prefix length that is not a whole number in 0..${max}`);
    prefix = Number(p);
  }
  const bytes = v4 ? v4Bytes(addr) : v6Bytes(addr);
  const prefix128 = v4 ? V4_MAPPED_PREFIX + prefix : prefix;
  // Host bits beyond the prefix are ignored, as in most firewalls: 10.1.2.3/8 means 10.0.0.0/8.
  for (let bit = prefix128; bit < 128; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  return { text, bytes, prefix: prefix128 };
}

/** Parses `--udp-allow`: comma-separated entries, at least one; names the first bad entry. */
export function parseAllowList(spec: string, flag = '--udp-allow'): AddressRange[] {
  return spec.split(',').map((e) => parseRange(e, flag));
}

export function inRange(r: AddressRange, address: Uint8Array): boolean {
  const full = r.prefix >> 3;
  for (let i = 0; i < full; i++) if (address[i] !== r.bytes[i]) return false;
  const rest = r.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (address[full] & mask) === r.bytes[full];
}

/** Whether a sender (as the socket reports it) is in any of the ranges. */
export function isAllowed(list: AddressRange[], sender: string): boolean {
  const b = addressBytes(sender);
  return b !== null && list.some((r) => inRange(r, b));
}

/** The wildcard addresses (0.0.0.0, ::): a socket bound there hears every interface. */
export function isAllInterfaces(host: string): boolean {
  const b = addressBytes(host);
  if (!b) return false;
  const rest = isV4MappedBytes(b) ? b.subarray(12) : b;
  return rest.every((x) => x === 0);
}
