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
const rec = (link: number, len: number, ht40: boolean): CsiRecord => ({
  timestampUs: 1000 * link, link, rssi: -50, ht: true, ht40, firstWordInvalid: false, channel: 6,
  buf: Int8Array.from({ length: len }, (_, i) => ((i * 29 + link) % 256) - 128),
});
// Records at bytes 8 (384), 402 (256) and 668 (612); the file ends at 1290.
const GOOD = encodeCsiRecording([rec(0, 384, true), rec(1, 256, false), rec(2, 612, true)]);
const R1 = 402;
const R2 = 668;

function patched(edit: (b: Uint8Array, dv: DataView) => void): Uint8Array {
  const b = GOOD.slice();
  edit(b, new DataView(b.buffer));
  return b;
}
const DRIVER = 'is not a buffer size the ESP32 driver delivers (128, 256, 376, 380, 384 or 612)';
/** [name, file bytes, message after "<path>: "]. */
const CASES: [string, Uint8Array, string][] = [
  ['bad magic', patched((b) => (b[0] = 0x58)), 'not a pose-edge CSI recording (magic PECSREC1 expected)'],
  ['magic only', GOOD.slice(0, 8), 'no CSI records (the file holds only the 8-byte magic)'],
  ['truncated header', GOOD.slice(0, R1 + 4), `record 1 at byte ${R1}: truncated header (4 of 10 bytes)`],
  ['truncated buffer', GOOD.slice(0, GOOD.length - 5), `record 2 at byte ${R2}: truncated CSI buffer (607 of 612 bytes)`],
  ['length 0', patched((_, dv) => dv.setUint16(R1 + 8, 0, true)), `record 1 at byte ${R1}: CSI length 0 ${DRIVER}`],
  ['odd length', patched((_, dv) => dv.setUint16(R1 + 8, 255, true)), `record 1 at byte ${R1}: CSI length 255 ${DRIVER}`],
  ['length above 612', patched((_, dv) => dv.setUint16(8 + 8, 700, true)), `record 0 at byte 8: CSI length 700 ${DRIVER}`],
  ['even length the driver never delivers', patched((_, dv) => dv.setUint16(R2 + 8, 500, true)), `record 2 at byte ${R2}: CSI length 500 ${DRIVER}`],
  ['link 3', patched((b) => (b[R2 + 4] = 3)), `record 2 at byte ${R2}: link 3 is outside 0..2`],
  ['link 255', patched((b) => (b[8 + 4] = 255)), 'record 0 at byte 8: link 255 is outside 0..2'],
  ['undefined flag bit 3', patched((b) => (b[R1 + 6] |= 0x08)), `record 1 at byte ${R1}: flags 0x09 set undefined bits (0x08); defined: bit 0 HT, bit 1 40 MHz, bit 2 first_word_invalid`],
  ['all flag bits', patched((b) => (b[8 + 6] = 0xff)), 'record 0 at byte 8: flags 0xff set undefined bits (0xf8); defined: bit 0 HT, bit 1 40 MHz, bit 2 first_word_invalid'],
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
  it('the good file decodes (the cases below differ from it in one place each)', () => {
    expect(decodeCsiRecording(GOOD, 'good')).toHaveLength(3);
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
