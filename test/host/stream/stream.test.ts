// `pose-edge stream` against the virtual node in live-replay mode, driven through buildProgram() in-process:
// --json message counts and contents (CSI amplitudes vs an independent float computation from the I/Q
// bytes, keypoints vs the integer simulator on the windows those amplitudes make), --out recording, and
// `stream export` to .npy (windows and keypoints read back and compared).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCsiRecording, type CsiRecord } from '../../../src/host/protocol/index.ts';
import { readModelHeader, startVirtualNode, type VirtualNode } from '../../../src/host/virtual-node.ts';
import { compileForParity, componentDirFor } from '../../../src/workflows/parity/model.ts';
import { BUNDLED, bundledModel } from '../../../src/bundled.ts';
import { simulate } from '../../../src/compiler/sim/run.ts';
import { readNpy } from '../../../src/io/npy.ts';
import { readRecording } from '../../../src/host/stream/recording.ts';
import { createPtyPair } from '../../../src/host/transport/pty-pair.ts';
import { runCli as runCliCommand } from '../../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-stream-'));
// The node runs the bundled micro int4 compiled here (the committed component when it is up to date, else a
// cache copy), so the simulator below predicts exactly what the node computes.
const compiled = await compileForParity({ modelPath: bundledModel(4).modelPath, weightsPath: bundledModel(4).weightsPath, bits: 4, actBits: 8, calibPath: BUNDLED.calib });
const modelDir = componentDirFor(compiled);
const header = readModelHeader(modelDir);
const F = header.inputFracBits;
const SLOTS = 25;
const HOP = 5;

let seed = 7;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed >>> 8;
};
const records: CsiRecord[] = [];
for (let s = 0; s < SLOTS; s++) {
  for (let link = 0; link < 3; link++) {
    records.push({
      timestampUs: s * 10_000 + link * 50, link, rssi: -50 - link, channel: 6, layout: 8, firstWordInvalid: false,
      buf: Int8Array.from({ length: 384 }, () => (rnd() % 256) - 128),
    });
  }
}
// Oracle: |h| of HT-LTF tones -58..-2, +2..+58 (bins in FFT order from byte 128; imaginary, real), in the
// node's input format.
function row(buf: Int8Array): number[] {
  const out: number[] = [];
  for (let t = -58; t <= 58; t++) {
    if (Math.abs(t) <= 1) continue;
    const b = 128 + 2 * (t >= 0 ? t : 128 + t);
    out.push(Math.round(Math.hypot(buf[b], buf[b + 1]) * 2 ** F));
  }
  return out;
}
const slotRows = Array.from({ length: SLOTS }, (_, s) => [0, 1, 2].flatMap((l) => row(records[s * 3 + l].buf)));
/** The node's k-th live window: slots 10 + k*HOP - 10 .. 10 + k*HOP - 1, as [link][subcarrier][packet]. */
function window(k: number): Int16Array {
  const first = k * HOP;
  const w = new Int16Array(3420);
  for (let p = 0; p < 10; p++) for (let ls = 0; ls < 342; ls++) w[ls * 10 + p] = slotRows[first + p][ls];
  return w;
}

let node: VirtualNode;
beforeAll(async () => {
  const file = join(tmp, 'rec.pecsrec');
  writeFileSync(file, encodeCsiRecording(records));
  node = await startVirtualNode({ modelDir, replayCsi: file, packetRate: 0, hop: HOP });
}, 60_000);
afterAll(async () => {
  await node?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const runCli = (args: string[]): Promise<string> => runCliCommand('stream', args);

describe('pose-edge stream on the virtual node (live replay)', () => {
  const out = join(tmp, 'live.pestrm');
  let lines: Record<string, any>[] = [];

  it('--json: one line per message; CSI packets, keypoints and stats as the node computed them', async () => {
    const text = await runCli([node.port, '--json', '--out', out, '--duration', '1.6', '--hop', String(HOP)]);
    lines = text.trim().split('\n').map((l) => JSON.parse(l));
    const of = (t: string) => lines.filter((l) => l.type === t);
    // INFO at HELLO (nothing replayed yet), and again after the first CSI_PACKET (the layout now delivered)
    expect(of('INFO')).toHaveLength(2);
    expect(of('INFO')[0]).toMatchObject({ mode: 'live-replay', chip: 'linux-virtual', modelSha256: header.sha256, csi: { layout: null, layoutsSeen: [] } });
    expect(of('INFO')[1].csi).toEqual({ layout: 'ht40-below', layoutsSeen: ['ht40-below'], channel: null, secondChannel: null });
    expect(of('CSI_PACKET')).toHaveLength(SLOTS);
    expect(of('KEYPOINTS')).toHaveLength((SLOTS - 10) / HOP + 1);
    expect(of('STATS').length).toBeGreaterThanOrEqual(1);
    expect(of('STATS').at(-1)).toMatchObject({ packetsCaptured: SLOTS * 3, packetsDropped: 0, inferences: 4 });
    expect(lines.at(-1)).toMatchObject({ type: 'SUMMARY', csiPackets: SLOTS, keypoints: 4, packetGaps: 0, out });

    of('CSI_PACKET').forEach((p, s) => {
      expect(p.packetSeq).toBe(s);
      expect(p.linkMask).toBe(7);
      expect(p.rssi).toEqual([-50, -51, -52]);
      expect(p.amplitudes).toEqual(slotRows[s]);
    });
    expect(compiled.report.modelSha256).toBe(header.sha256);
    of('KEYPOINTS').forEach((k, i) => {
      expect(k.windowSeq).toBe(i);
      const sim = simulate(compiled.qgraph, window(i)).output;
      expect(k.keypoints).toEqual(Array.from(sim));
      expect(k.xy).toEqual(Array.from(sim, (v) => v / 2 ** header.outputFracBits));
      expect(k.cycles).toBeGreaterThan(0);
    });
  }, 60_000);

  it('the recording holds every message, and export rebuilds the node\'s windows and keypoints', async () => {
    const rec = readRecording(out);
    expect(rec.stop).toBeNull();
    expect(rec.records.filter((r) => r.kind === 1 && r.type === 0x83)).toHaveLength(SLOTS);
    expect(rec.records.filter((r) => r.kind === 2 && r.type === 0x04)).toHaveLength(1); // STREAM_START sent

    const X = join(tmp, 'X.npy');
    const K = join(tmp, 'K.npy');
    const text = await runCli(['export', out, '--npy', X, '--keypoints', K, '--hop', String(HOP), '--json']);
    expect(JSON.parse(text)).toMatchObject({ windows: 4, keypoints: 4, csiPackets: SLOTS, gaps: 0, tornTail: null });
    const x = readNpy(X);
    expect(x.shape).toEqual([4, 3, 114, 10]);
    expect(x.dtype).toBe('f4');
    for (let i = 0; i < 4; i++) {
      const w = window(i);
      const got = (x.data as Float32Array).subarray(i * 3420, (i + 1) * 3420);
      expect(Array.from(got, (v) => v * 2 ** F)).toEqual(Array.from(w));
    }
    const k = readNpy(K);
    expect(k.shape).toEqual([4, 17, 2]);
    const kpLines = lines.filter((l) => l.type === 'KEYPOINTS');
    expect(Array.from(k.data as Float32Array)).toEqual(kpLines.flatMap((l) => l.xy));
  }, 30_000);

  it('export of a recording cut mid-record keeps what was complete', async () => {
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(out);
    const rec = readRecording(out);
    // Cut inside the record of the 13th CSI_PACKET: 12 complete slots remain -> one window (slots 0..9).
    let off = 16;
    let packets = 0;
    let cut = 0;
    for (const r of rec.records) {
      const size = 8 + 10 + r.payload.length;
      if (r.kind === 1 && r.type === 0x83 && ++packets === 13) {
        cut = off + 100;
        break;
      }
      off += size;
    }
    const torn = join(tmp, 'torn.pestrm');
    writeFileSync(torn, bytes.subarray(0, cut));
    const text = await runCli(['export', torn, '--npy', join(tmp, 'torn.npy'), '--hop', String(HOP), '--json']);
    expect(JSON.parse(text)).toMatchObject({ csiPackets: 12, windows: 1, tornTail: { offset: off, reason: 'torn' } });
    const x = readNpy(join(tmp, 'torn.npy'));
    expect(Array.from(x.data as Float32Array, (v) => v * 2 ** F)).toEqual(Array.from(window(0)));
  }, 30_000);

  it('without --json and not on a terminal: the status screen once at the end; SIGINT stops it', async () => {
    const started = Date.now();
    const run = runCli([node.port]);
    setTimeout(() => process.emit('SIGINT'), 800);
    const text = await run;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(text).toMatch(new RegExp(`^pose-edge stream  ${node.port}  \\d+ s  \\[linux-virtual, firmware [\\d.]+, model ${header.sha256.slice(0, 12)}…\\]\n`));
    expect(text).toMatch(/CRC errors: 0 host side, framing 0/);
    expect(text).toMatch(/\nstopped after [\d.]+ s\n$/);
  }, 30_000);

  it('a node without a CSI source (replay mode) refuses STREAM_START: the error says refused, with its code and text', async () => {
    const replayNode = await startVirtualNode({ modelDir });
    try {
      await expect(runCli([replayNode.port, '--json', '--duration', '1'])).rejects.toThrow(
        `${replayNode.port}: the node refused STREAM_START: error 5 (not supported; a node in replay mode has no CSI source): STREAM_START: this node has no CSI source (replay mode)`,
      );
    } finally {
      await replayNode.stop();
    }
  }, 30_000);

  it('errors name the file or option', async () => {
    await expect(runCli(['export', join(tmp, 'none.pestrm'), '--npy', join(tmp, 'n.npy')])).rejects.toThrow(`${join(tmp, 'none.pestrm')}: no such file or directory (stream recording)`);
    await expect(runCli(['export', out])).rejects.toThrow('stream export needs --npy OUT_X.npy and/or --keypoints OUT.npy');
    await expect(runCli(['export', out, '--npy', join(tmp, 'n.npy'), '--hop', '11'])).rejects.toThrow("--hop must be an integer in 1..10, got '11'");
    await expect(runCli([])).rejects.toThrow('stream needs a serial port (e.g. /dev/ttyUSB0), --virtual, --udp PORT, or a port and --udp');
    await expect(runCli(['--udp', '5000', '--udp-links', '1,1'])).rejects.toThrow("--udp-links takes 1 to 3 distinct node ids, got '1,1'");
    await expect(runCli(['/dev/pose-edge-none', '--duration', '0'])).rejects.toThrow(/^\/dev\/pose-edge-none: no such port/);
    // A port where nothing answers (a pty pair with no device on the other end).
    const pair = await createPtyPair();
    try {
      await expect(runCli([pair.host, '--timeout', '100', '--duration', '0'])).rejects.toThrow(
        `${pair.host}: no INFO in answer to HELLO after 3 attempts of 100 ms (is a pose-edge node on this port, at this baud rate? host-side frame faults: none)`,
      );
    } finally {
      await pair.close();
    }
  });
});
