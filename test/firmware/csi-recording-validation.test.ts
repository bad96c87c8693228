// Validation of CSI recordings (PECSREC1, docs/protocol.md) on read, each rule checked three ways with the
// same expected message (file, record index, byte offset): the TS reader (decodeCsiRecording), `pose-edge
// node --virtual --replay-csi FILE` (which checks in TS before building and starting the node), and the C
// reader of the virtual node itself (run directly: it must exit 1 with the message on stderr before it
// opens its pty, not replay part of the file). Also: a recording that turns bad on disk while the node
// replays it stops the node with exit 1.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';
import { decodeCsiRecording, encodeCsiRecording, NodeSession, type CsiRecord } from '../../src/host/protocol/index.ts';
import { buildFirmwareProgram, startVirtualNode } from '../../src/host/virtual-node.ts';
import { SerialTransport } from '../../src/host/transport/serial.ts';
import { tempBuildDir } from './helpers.ts';

const buildDir = tempBuildDir('recval');
const rec = (link: number, layout: number, len: number): CsiRecord => ({
  timestampUs: 1000 * link, link, rssi: -50, layout, firstWordInvalid: false, channel: 6,
  buf: Int8Array.from({ length: len }, (_, i) => ((i * 29 + link) % 256) - 128),
});
// PECSREC2: records at bytes 8 (ht40-below, 384), 404 (ht20, 256) and 672 (ht40-stbc-below, 612); the file ends at 1296.
const GOOD = encodeCsiRecording([rec(0, 8, 384), rec(1, 2, 256), rec(2, 10, 612)]);
const R1 = 404;
const R2 = 672;
/** The same packets as a version 1 file (10-byte headers: flags bit 0 HT, bit 1 40 MHz): records at 8, 402 and 668. */
function v1File(): Uint8Array {
  const recs: [number, number, number][] = [[0, 3, 384], [1, 1, 256], [2, 3, 612]];
  const out = new Uint8Array(8 + recs.reduce((s, [, , len]) => s + 10 + len, 0));
  out.set(Buffer.from('PECSREC1', 'latin1'));
  const dv = new DataView(out.buffer);
  let o = 8;
  for (const [link, flags, len] of recs) {
    dv.setUint32(o, 1000 * link, true);
    out[o + 4] = link;
    dv.setInt8(o + 5, -50);
    out[o + 6] = flags;
    out[o + 7] = 6;
    dv.setUint16(o + 8, len, true);
    out.set(new Uint8Array(rec(link, 8, len).buf.buffer), o + 10);
    o += 10 + len;
  }
  return out;
}
const GOOD_V1 = v1File();
const V1R1 = 402;
const V1R2 = 668;

function patched(edit: (b: Uint8Array, dv: DataView) => void, base = GOOD): Uint8Array {
  const b = base.slice();
  edit(b, new DataView(b.buffer));
  return b;
}
const v1 = (edit: (b: Uint8Array, dv: DataView) => void) => patched(edit, GOOD_V1);
const DRIVER = 'is not a buffer size the ESP32 driver delivers (128, 256, 376, 380, 384 or 612)';
/** [name, file bytes, message after "<path>: "]. */
const CASES: [string, Uint8Array, string][] = [
  ['bad magic', patched((b) => (b[0] = 0x58)), 'not a pose-edge CSI recording (magic PECSREC2 or PECSREC1 expected)'],
  ['unknown version', patched((b) => (b[7] = 0x33)), 'not a pose-edge CSI recording (magic PECSREC2 or PECSREC1 expected)'],
  ['magic only', GOOD.slice(0, 8), 'no CSI records (the file holds only the 8-byte magic)'],
  ['truncated header', GOOD.slice(0, R1 + 4), `record 1 at byte ${R1}: truncated header (4 of 12 bytes)`],
  ['truncated buffer', GOOD.slice(0, GOOD.length - 5), `record 2 at byte ${R2}: truncated CSI buffer (607 of 612 bytes)`],
  ['layout 0', patched((b) => (b[R1 + 6] = 0)), `record 1 at byte ${R1}: CSI layout 0 is not a known layout (1..21, docs/protocol.md)`],
  ['layout 22', patched((b) => (b[8 + 6] = 22)), 'record 0 at byte 8: CSI layout 22 is not a known layout (1..21, docs/protocol.md)'],
  ['length 0', patched((_, dv) => dv.setUint16(R1 + 10, 0, true)), `record 1 at byte ${R1}: CSI length 0 is not the length of layout ht20 (256 bytes)`],
  ['odd length', patched((_, dv) => dv.setUint16(R1 + 10, 255, true)), `record 1 at byte ${R1}: CSI length 255 is not the length of layout ht20 (256 bytes)`],
  ['length of another layout', patched((_, dv) => dv.setUint16(R2 + 10, 384, true)), `record 2 at byte ${R2}: CSI length 384 is not the length of layout ht40-stbc-below (612 bytes)`],
  ['layout whose length differs', patched((b) => (b[8 + 6] = 15)), 'record 0 at byte 8: CSI length 384 is not the length of layout c6-he20 (512 bytes)'],
  ['link 3', patched((b) => (b[R2 + 4] = 3)), `record 2 at byte ${R2}: link 3 is outside 0..2`],
  ['link 255', patched((b) => (b[8 + 4] = 255)), 'record 0 at byte 8: link 255 is outside 0..2'],
  ['undefined flag bit 1', patched((b) => (b[R1 + 7] |= 0x02)), `record 1 at byte ${R1}: flags 0x02 set undefined bits (0x02); defined: bit 0 first_word_invalid`],
  ['all flag bits', patched((b) => (b[8 + 7] = 0xff)), 'record 0 at byte 8: flags 0xff set undefined bits (0xfe); defined: bit 0 first_word_invalid'],
  ['reserved byte', patched((b) => (b[R2 + 9] = 0x40)), `record 2 at byte ${R2}: reserved byte 0x40 is not 0`],
  ['v1: truncated header', GOOD_V1.slice(0, V1R1 + 4), `record 1 at byte ${V1R1}: truncated header (4 of 10 bytes)`],
  ['v1: truncated buffer', GOOD_V1.slice(0, GOOD_V1.length - 5), `record 2 at byte ${V1R2}: truncated CSI buffer (607 of 612 bytes)`],
  ['v1: length 0', v1((_, dv) => dv.setUint16(V1R1 + 8, 0, true)), `record 1 at byte ${V1R1}: CSI length 0 ${DRIVER}`],
  ['v1: length above 612', v1((_, dv) => dv.setUint16(8 + 8, 700, true)), `record 0 at byte 8: CSI length 700 ${DRIVER}`],
  ['v1: even length the driver never delivers', v1((_, dv) => dv.setUint16(V1R2 + 8, 500, true)), `record 2 at byte ${V1R2}: CSI length 500 ${DRIVER}`],
  ['v1: link 3', v1((b) => (b[V1R2 + 4] = 3)), `record 2 at byte ${V1R2}: link 3 is outside 0..2`],
  ['v1: undefined flag bit 3', v1((b) => (b[V1R1 + 6] |= 0x08)), `record 1 at byte ${V1R1}: flags 0x09 set undefined bits (0x08); defined: bit 0 HT, bit 1 40 MHz, bit 2 first_word_invalid`],
];
const files = CASES.map(([name, bytes], i) => {
  const path = join(buildDir, `case-${i}.pecsrec`);
  writeFileSync(path, bytes);
  return { name, path };
});

let binary: string;
beforeAll(async () => {
  binary = await buildFirmwareProgram({ program: 'virtual-node', buildDir });
}, 120_000);

describe('CSI recording validation', () => {
  it('the good files decode (the cases below differ from one of them in one place each); v1 records get the layout their flags imply', () => {
    const v2 = decodeCsiRecording(GOOD, 'good');
    expect(v2.map((r) => r.layout)).toEqual([8, 2, 10]);
    const old = decodeCsiRecording(GOOD_V1, 'good-v1');
    expect(old.map((r) => [r.layout, r.buf.length])).toEqual([[8, 384], [2, 256], [10, 612]]);
    expect(old.map((r) => Array.from(r.buf))).toEqual(v2.map((r) => Array.from(r.buf)));
  });

  it.each(CASES.map(([name, , msg], i) => [name, i, msg] as const))('TS reader: %s', (_name, i, msg) => {
    expect(() => decodeCsiRecording(CASES[i][1], files[i].path)).toThrow(`${files[i].path}: ${msg}`);
  });

  it.each(CASES.map(([name, , msg], i) => [name, i, msg] as const))('pose-edge node --virtual --replay-csi (TS, before the start): %s', async (_name, i, msg) => {
    await expect(buildProgram().exitOverride().parseAsync(['node', 'pose-edge', 'node', '--virtual', '--replay-csi', files[i].path, '--build-dir', buildDir])).rejects.toThrow(
      `${files[i].path}: ${msg}`,
    );
  });

  it.each(CASES.map(([name, , msg], i) => [name, i, msg] as const))('C reader (virtual node binary): %s -> exit 1 before the pty', async (_name, i, msg) => {
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => {
      const child = execFile(binary, ['--replay-csi', files[i].path], { timeout: 10_000 }, (_err, stdout, stderr) => res({ code: child.exitCode, stdout, stderr }));
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(''); // no "PTY ..." line: refused before the pty opened
    expect(r.stderr).toBe(`pose-node-virtual: ${files[i].path}: ${msg}\n`);
  });
});

describe('a recording that turns bad while the virtual node replays it', () => {
  let transport: SerialTransport | null = null;
  afterAll(async () => {
    await transport?.close();
  });

  it('stops the node with exit 1 and the record named on stderr', async () => {
    const path = join(buildDir, 'changing.pecsrec');
    writeFileSync(path, GOOD);
    const node = await startVirtualNode({ buildDir, replayCsi: path, packetRate: 0 });
    try {
      // Same inode, new content: record 0's link becomes 7 after the node checked the file at start.
      writeFileSync(path, patched((b) => (b[8 + 4] = 7)));
      transport = await SerialTransport.open(node.port, 921600);
      const s = new NodeSession(transport, 5000);
      await s.control({ type: 'STREAM_START', flags: 1, hop: 0 }).catch(() => {});
      s.close();
      expect(await node.exited).toBe(1);
      expect(node.stderr()).toBe(`pose-node-virtual: ${path}: record 0 at byte 8: link 7 is outside 0..2\n`);
    } finally {
      await node.stop();
    }
  }, 30_000);
});
