// `pose-edge stream --udp PORT`: esp32-csi-node binary CSI frames (magic 0xC5110001), built by hand as the
// reference document lays them out (little-endian header, then the driver's buffer: LLTF 64 bins, then the
// HT-LTF, each bin an (imaginary, real) int8 pair in FFT order), sent over loopback. Checks the JSON lines
// (amplitudes vs sqrt(im^2+re^2) of the right bins), errors for malformed datagrams, and that a recording of
// UDP frames exports to the windows those amplitudes make.
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProgram } from '../../../src/cli/program.ts';
import { readNpy } from '../../../src/io/npy.ts';
import { csiRow, parseEspCsiFrame } from '../../../src/host/stream/esp-csi-udp.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-udp-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** (im, re) of FFT bin `bin` in slot `slot` for node `node`: distinct per bin, slot and node. */
function pair(node: number, slot: number, bin: number): [number, number] {
  return [((bin * 7 + slot * 3 + node) % 41) - 20, ((bin * 5 + node * 11 + slot) % 37) - 18];
}

function frame(node: number, seq: number, len: number, slot: number, magic = 0xc5110001): Buffer {
  const b = Buffer.alloc(20 + len);
  b.writeUInt32LE(magic, 0);
  b[4] = node;
  b[5] = 1;
  b.writeUInt16LE(len / 2, 6);
  b.writeUInt32LE(2437, 8);
  b.writeUInt32LE(seq, 12);
  b.writeInt8(-42, 16);
  b.writeInt8(-90, 17);
  for (let i = 0; i < 64; i++) b.writeInt8(99 - i, 20 + 2 * i); // LLTF: must not be read
  const bins = len >= 384 ? 128 : len >= 256 ? 64 : 0; // a legacy (128-byte) buffer is only the LLTF
  for (let bin = 0; bin < bins; bin++) {
    const [im, re] = pair(node, slot, bin);
    b.writeInt8(im, 20 + 128 + 2 * bin);
    b.writeInt8(re, 20 + 128 + 2 * bin + 1);
  }
  return b;
}

/** Oracle for an HT40 frame: tones -58..-2, +2..+58 at bins t (t >= 0) or 128 + t. */
function ht40(node: number, slot: number): number[] {
  const out: number[] = [];
  for (let t = -58; t <= 58; t++) {
    if (Math.abs(t) <= 1) continue;
    const [im, re] = pair(node, slot, t >= 0 ? t : 128 + t);
    out.push(Math.fround(Math.sqrt(im * im + re * re)));
  }
  return out;
}

async function runStream(args: string[], send: (port: number) => Promise<void>): Promise<Record<string, any>[]> {
  let out = '';
  let resolvePort!: (p: number) => void;
  const portP = new Promise<number>((r) => (resolvePort = r));
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    const m = /"udpPort":(\d+)/.exec(out);
    if (m) resolvePort(Number(m[1]));
    return true;
  });
  try {
    const done = buildProgram().exitOverride().parseAsync(['node', 'pose-edge', 'stream', ...args]);
    await send(await portP);
    await done;
  } finally {
    spy.mockRestore();
  }
  return out.trim().split('\n').map((l) => JSON.parse(l));
}

async function sendAll(port: number, datagrams: Buffer[]): Promise<void> {
  const s = createSocket('udp4');
  for (const d of datagrams) {
    await new Promise<void>((res, rej) => s.send(d, port, '127.0.0.1', (e) => (e ? rej(e) : res())));
    await new Promise((r) => setTimeout(r, 2)); // keep arrival order on loopback
  }
  s.close();
}

describe('stream --udp (esp32-csi-node frames)', () => {
  it('parses the documented header and converts I/Q to amplitudes (HT40 and HT20)', () => {
    const f = parseEspCsiFrame(frame(7, 1234, 384, 0), 'test');
    expect(f).toMatchObject({ nodeId: 7, nAnt: 1, nSub: 192, freqMhz: 2437, seq: 1234, rssi: -42, noise: -90 });
    expect(Array.from(csiRow(f.buf)!.row)).toEqual(ht40(7, 0));
    const h20 = csiRow(parseEspCsiFrame(frame(3, 1, 256, 2), 'test').buf)!;
    expect(h20.bandwidth).toBe('ht20');
    // Endpoints of the interpolation are tones -28 (bin 36) and +28 (bin 28) exactly.
    const amp = (bin: number) => Math.fround(Math.hypot(...pair(3, 2, bin)));
    expect(h20.row[0]).toBe(amp(36));
    expect(h20.row[113]).toBe(amp(28));
    // Output 1 sits at source position 55/113 between tones -28 and -27 (bins 36, 37).
    expect(h20.row[1]).toBeCloseTo(amp(36) * (1 - 55 / 113) + amp(37) * (55 / 113), 5);
    expect(csiRow(parseEspCsiFrame(frame(3, 1, 128, 0), 'test').buf)).toBeNull(); // legacy: unusable
    // 384 bytes is HT20 STBC when the capture says so.
    expect(csiRow(parseEspCsiFrame(frame(3, 1, 384, 0), 'test').buf, 'ht20')!.bandwidth).toBe('ht20');
  });

  it('malformed datagrams are named errors', () => {
    expect(() => parseEspCsiFrame(new Uint8Array(10), 'UDP from 1.2.3.4:5')).toThrow('UDP from 1.2.3.4:5: datagram of 10 bytes is shorter than the 20-byte CSI frame header');
    expect(() => parseEspCsiFrame(frame(1, 1, 384, 0, 0xc5110002), 'u')).toThrow('u: magic 0xc5110002 is not a CSI frame (0xc5110001)');
    const short = frame(1, 1, 384, 0).subarray(0, 300);
    expect(() => parseEspCsiFrame(short, 'u')).toThrow('u: n_sub 192 says 384 CSI bytes, the datagram carries 280');
  });

  it('JSON lines over loopback, and a recording of UDP frames exports to windows', async () => {
    const out = join(tmp, 'udp.pestrm');
    const datagrams: Buffer[] = [];
    for (let slot = 0; slot < 10; slot++) for (const node of [21, 22, 23]) datagrams.push(frame(node, slot, 384, slot));
    const bad = frame(21, 99, 384, 0, 0xc5110003);
    const legacy = frame(22, 100, 128, 0);
    const lines = await runStream(['--udp', '0', '--udp-host', '127.0.0.1', '--json', '--out', out, '--duration', '1.5'], (port) =>
      sendAll(port, [...datagrams, bad, legacy]),
    );
    expect(lines[0]).toMatchObject({ type: 'LISTEN', udpHost: '127.0.0.1' });
    const csi = lines.filter((l) => l.type === 'UDP_CSI');
    expect(csi).toHaveLength(31);
    csi.slice(0, 30).forEach((l, i) => {
      const slot = Math.floor(i / 3);
      const node = 21 + (i % 3);
      expect(l).toMatchObject({ nodeId: node, link: node - 21, seq: slot, freqMhz: 2437, rssi: -42, noise: -90, len: 384, bandwidth: 'ht40' });
      expect(l.amplitudes).toEqual(ht40(node, slot));
    });
    expect(csi[30]).toMatchObject({ nodeId: 22, len: 128, bandwidth: null, amplitudes: null });
    expect(lines.filter((l) => l.type === 'UDP_ERROR').map((l) => l.error)).toEqual([expect.stringMatching(/^UDP from 127\.0\.0\.1:\d+: magic 0xc5110003 is not a CSI frame \(0xc5110001\)$/)]);
    expect(lines.at(-1)).toMatchObject({ type: 'SUMMARY', udpFrames: 30, udpBad: 1, udpUnusable: 1 });

    const X = join(tmp, 'udp.npy');
    let text = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((text += String(c)), true));
    try {
      await buildProgram().exitOverride().parseAsync(['node', 'pose-edge', 'stream', 'export', out, '--npy', X, '--hop', '10', '--json']);
    } finally {
      spy.mockRestore();
    }
    expect(JSON.parse(text)).toMatchObject({ udpFrames: 30, udpSkipped: 2, windows: 1, gaps: 0, tornTail: null });
    const x = readNpy(X);
    expect(x.shape).toEqual([1, 3, 114, 10]);
    const w = x.data as Float32Array;
    for (let link = 0; link < 3; link++) {
      for (let p = 0; p < 10; p++) {
        const col = Array.from({ length: 114 }, (_, k) => w[(link * 114 + k) * 10 + p]);
        expect(col).toEqual(ht40(21 + link, p));
      }
    }
  }, 30_000);
});
