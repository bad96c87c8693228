// `stream --udp PORT --udp-allow ADDR[,ADDR...]`: only listed senders (addresses or CIDR ranges, IPv4 and
// IPv6, IPv4-mapped IPv6 as the same addresses) feed CSI frames; others are dropped and counted
// (`udpRejected`). Listening on all interfaces without a list prints one warning line. Senders are real
// sockets bound to 127.0.0.1, 127.0.0.2 and ::1 (the whole of 127/8 is loopback on Linux).
import { afterAll, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAllInterfaces, isAllowed, parseAllowList, parseRange } from '../../../src/host/stream/udp-allow.ts';
import { readRecording } from '../../../src/host/stream/recording.ts';
import { runCliResult } from '../../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-udp-allow-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('--udp-allow entries', () => {
  const allows = (spec: string, sender: string) => isAllowed(parseAllowList(spec), sender);

  it('IPv4 addresses and CIDR ranges', () => {
    expect(allows('192.168.4.0/24', '192.168.4.77')).toBe(true);
    expect(allows('192.168.4.0/24', '192.168.5.1')).toBe(false);
    expect(allows('192.168.4.128/25', '192.168.4.127')).toBe(false); // a prefix that ends inside a byte
    expect(allows('192.168.4.128/25', '192.168.4.200')).toBe(true);
    expect(allows('10.1.2.3/8', '10.200.0.1')).toBe(true); // host bits beyond the prefix are ignored
    expect(allows('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(allows('127.0.0.1', '127.0.0.2')).toBe(false);
    expect(allows('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(allows('0.0.0.0/0', '::1')).toBe(false); // every IPv4 sender, no IPv6 one
  });

  it('IPv6 addresses and ranges, zone ids of senders ignored', () => {
    expect(allows('::1', '::1')).toBe(true);
    expect(allows('::1', '::2')).toBe(false);
    expect(allows('fd00::/8', 'fd12:3456::1')).toBe(true);
    expect(allows('fd00::/8', 'fe80::1')).toBe(false);
    expect(allows('fe80::/10', 'fe80::1%eth0')).toBe(true);
    expect(allows('2001:db8::/32', '2001:db8:0:0:1:2:3:4')).toBe(true);
    expect(allows('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(allows('::/0', '10.0.0.1')).toBe(true);
  });

  it('IPv4-mapped IPv6 is the same address as IPv4, both as entry and as sender', () => {
    expect(allows('10.0.0.0/8', '::ffff:10.1.2.3')).toBe(true); // a dual-stack socket reports IPv4 senders so
    expect(allows('::ffff:10.0.0.0/104', '10.9.9.9')).toBe(true);
    expect(allows('::ffff:10.0.0.0/104', '11.0.0.1')).toBe(false);
    expect(allows('::ffff:127.0.0.1', '127.0.0.1')).toBe(true);
    expect(allows('::ffff:7f00:1', '127.0.0.1')).toBe(true);
    const mapped = parseRange('::ffff:192.168.0.0/112');
    const v4 = parseRange('192.168.0.0/16');
    expect([mapped.bytes, mapped.prefix]).toEqual([v4.bytes, v4.prefix]);
  });

  it('several entries, spaces around them allowed', () => {
    const list = parseAllowList('127.0.0.1, ::1 ,10.0.0.0/8');
    expect(list.map((r) => r.text)).toEqual(['127.0.0.1', '::1', '10.0.0.0/8']);
    expect(isAllowed(list, '10.3.3.3')).toBe(true);
    expect(isAllowed(list, '192.0.2.1')).toBe(false);
    expect(isAllowed(list, 'not-an-address')).toBe(false);
  });

  it('malformed entries are refused with a message naming the entry', () => {
    const hint = '(give IPv4 or IPv6 addresses or CIDR ranges, comma-separated, e.g. 192.168.4.0/24,fd00::/8)';
    const cases: [string, string][] = [
      ['1.2.3', "'1.2.3' is not an IP address or CIDR range"],
      ['localhost', "'localhost' is not an IP address or CIDR range"],
      ['1.2.3.4/33', "'1.2.3.4/33' has a prefix length that is not a whole number in 0..32"],
      ['::1/129', "'::1/129' has a prefix length that is not a whole number in 0..128"],
      ['1.2.3.4/', "'1.2.3.4/' has a prefix length that is not a whole number in 0..32"],
      ['1.2.3.4/-1', "'1.2.3.4/-1' has a prefix length that is not a whole number in 0..32"],
      ['10.0.0.0/8.5', "'10.0.0.0/8.5' has a prefix length that is not a whole number in 0..32"],
      ['fe80::1%eth0', "'fe80::1%eth0' has a zone id, which a range cannot use"],
      ['::ffff:1.2.3.4.5', "'::ffff:1.2.3.4.5' is not an IP address or CIDR range"],
      ['1.2.3.4,', "'' is not an IP address or CIDR range"],
      ['127.0.0.1,300.1.1.1', "'300.1.1.1' is not an IP address or CIDR range"],
    ];
    for (const [spec, why] of cases) expect(() => parseAllowList(spec), spec).toThrow(`--udp-allow: ${why} ${hint}`);
  });

  it('which listening addresses mean every interface', () => {
    for (const h of ['0.0.0.0', '::', '0:0:0:0:0:0:0:0', '::ffff:0.0.0.0']) expect(isAllInterfaces(h), h).toBe(true);
    for (const h of ['127.0.0.1', '::1', '192.168.1.2', 'localhost']) expect(isAllInterfaces(h), h).toBe(false);
  });
});

/** A valid esp32-csi-node HT40 frame (magic 0xC5110001, 384 CSI bytes) from node `node`. */
function frame(node: number, seq: number): Buffer {
  const b = Buffer.alloc(20 + 384);
  b.writeUInt32LE(0xc5110001, 0);
  b[4] = node;
  b[5] = 1;
  b.writeUInt16LE(192, 6);
  b.writeUInt32LE(2437, 8);
  b.writeUInt32LE(seq, 12);
  for (let i = 20; i < b.length; i++) b[i] = (i * 7) & 0x3f;
  return b;
}

interface Sender {
  /** Source address the socket is bound to. */
  from: string;
  /** Destination address. */
  to: string;
  count: number;
}

async function send(port: number, s: Sender, node: number): Promise<void> {
  const sock = createSocket(s.from.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((res) => sock.bind({ address: s.from, port: 0 }, () => res()));
  for (let i = 0; i < s.count; i++) {
    await new Promise<void>((res, rej) => sock.send(frame(node, i), port, s.to, (e) => (e ? rej(e) : res())));
    await new Promise((r) => setTimeout(r, 2));
  }
  sock.close();
}

/** Runs `stream --udp 0 --json` with `args`; once it listens, each sender sends its frames. */
async function runUdp(args: string[], senders: Sender[]) {
  let sending: Promise<void> | null = null;
  const r = await runCliResult('stream', ['--udp', '0', '--json', '--duration', '1', ...args], (_c, all) => {
    const m = /"udpPort":(\d+)/.exec(all);
    if (m && !sending) sending = (async () => senders.reduce((p, s, i) => p.then(() => send(Number(m[1]), s, 20 + i)), Promise.resolve()))();
  });
  await sending;
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  return { ...r, lines, summary: lines.at(-1)!, csi: lines.filter((l) => l.type === 'UDP_CSI') };
}

describe('stream --udp with --udp-allow', () => {
  it('IPv4: frames from an allowed sender are taken, others dropped, counted and not recorded', async () => {
    const out = join(tmp, 'v4.pestrm');
    const r = await runUdp(['--udp-host', '127.0.0.1', '--udp-allow', '127.0.0.1/32', '--out', out], [
      { from: '127.0.0.1', to: '127.0.0.1', count: 3 },
      { from: '127.0.0.2', to: '127.0.0.1', count: 2 },
    ]);
    expect(r.err).toBeNull();
    expect(r.stderr).toBe(''); // loopback only: no warning
    expect(r.csi).toHaveLength(3);
    for (const l of r.csi) expect(l.from).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(r.summary).toMatchObject({ type: 'SUMMARY', udpFrames: 3, udpRejected: 2, ended: 'duration' });
    expect(readRecording(out).records.filter((x) => x.kind === 3)).toHaveLength(3);
  }, 30_000);

  it('IPv6 and IPv4-mapped senders on a dual-stack socket (::)', async () => {
    const r = await runUdp(['--udp-host', '::', '--udp-allow', '::1,127.0.0.2'], [
      { from: '::1', to: '::1', count: 2 },
      { from: '127.0.0.2', to: '127.0.0.1', count: 2 }, // seen as ::ffff:127.0.0.2: allowed
      { from: '127.0.0.1', to: '127.0.0.1', count: 3 }, // ::ffff:127.0.0.1: not in the list
    ]);
    expect(r.err).toBeNull();
    expect(r.stderr).toBe(''); // all interfaces, but with a list: no warning
    expect(r.lines[0]).toMatchObject({ type: 'LISTEN', udpHost: '::' });
    expect(r.csi.map((l) => String(l.from).replace(/:\d+$/, ''))).toEqual(['::1', '::1', '::ffff:127.0.0.2', '::ffff:127.0.0.2']);
    expect(r.summary).toMatchObject({ udpFrames: 4, udpRejected: 3 });
  }, 30_000);

  it('all interfaces without a list: one warning line on stderr, frames from anyone taken', async () => {
    const r = await runUdp(['--udp-host', '0.0.0.0'], [{ from: '127.0.0.2', to: '127.0.0.1', count: 1 }]);
    expect(r.err).toBeNull();
    expect(r.stderr).toBe(
      'pose-edge: warning: UDP on all interfaces (0.0.0.0) without --udp-allow: CSI frames from any sender are accepted and recorded; ' +
        'limit them with --udp-allow ADDR[,ADDR...] or listen on one address with --udp-host\n',
    );
    expect(r.summary).toMatchObject({ udpFrames: 1, udpRejected: 0 });
  }, 30_000);

  it('malformed --udp-allow, or --udp-allow without --udp, is refused before listening', async () => {
    const bad = await runCliResult('stream', ['--udp', '0', '--udp-allow', '10.0.0.0/33']);
    expect((bad.err as Error).message).toMatch(/^--udp-allow: '10\.0\.0\.0\/33' has a prefix length that is not a whole number in 0\.\.32 /);
    expect(bad.stdout).toBe('');
    const alone = await runCliResult('stream', ['/dev/ttyUSB0', '--udp-allow', '127.0.0.1']);
    expect((alone.err as Error).message).toBe('--udp-allow filters UDP senders: it needs --udp PORT');
  });
});
