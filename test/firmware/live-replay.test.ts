// Live path of the virtual node: a CSI recording replayed as if captured. Checks the I/Q -> amplitude
// conversion and subcarrier selection against an independent float computation, the window assembly
// (KEYPOINTS equal the batch program's outputs on windows rebuilt from the streamed CSI_PACKETs), and the
// capture counters in STATS.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerialTransport } from '../../src/host/transport/serial.ts';
import { encodeCsiRecording, NodeSession, type CsiRecord, type Message } from '../../src/host/protocol/index.ts';
import { buildFirmwareProgram, readModelHeader, startVirtualNode, type VirtualNode } from '../../src/host/virtual-node.ts';
import { packWindows, run, tempBuildDir, unpackOutputs, snapshotModelDir } from './helpers.ts';

const buildDir = tempBuildDir('live');
const modelDir = snapshotModelDir(buildDir);
const frac = readModelHeader(modelDir).inputFracBits;
const SLOTS = 25;
const HT20_SLOT = 3; // link 1 sends an HT20 packet in this slot
const LEGACY_SLOT = 5; // link 2 first sends a legacy (non-HT) packet here, which the node must drop

let seed = 99;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed >>> 8;
};
const iq = (n: number) => Int8Array.from({ length: n }, () => ((rnd() % 256) - 128));

const records: CsiRecord[] = [];
for (let s = 0; s < SLOTS; s++) {
  for (let link = 0; link < 3; link++) {
    const base = { timestampUs: s * 10_000 + link * 100, link, rssi: -40 - link, channel: 6, firstWordInvalid: false };
    if (s === LEGACY_SLOT && link === 2) records.push({ ...base, layout: 1, buf: iq(128) }); // nonht
    if (s === HT20_SLOT && link === 1) records.push({ ...base, layout: 2, buf: iq(256) }); // ht20
    else records.push({ ...base, layout: 8, buf: iq(384) }); // ht40-below
  }
}

// The oracle: |h| = sqrt(im^2 + re^2) in float, scaled by 2^frac and rounded (no halves occur).
const amp = (im: number, re: number) => Math.min(32767, Math.round(Math.sqrt(im * im + re * re) * 2 ** frac));
function ht40Row(buf: Int8Array): number[] {
  const row: number[] = [];
  for (let tone = -58; tone <= 58; tone++) {
    if (Math.abs(tone) <= 1) continue;
    const bin = tone >= 0 ? tone : 128 + tone;
    row.push(amp(buf[128 + 2 * bin], buf[128 + 2 * bin + 1]));
  }
  return row;
}
function ht20Row(buf: Int8Array): number[] {
  const src: number[] = [];
  for (let tone = -28; tone <= 28; tone++) {
    if (tone === 0) continue;
    const bin = tone >= 0 ? tone : 64 + tone;
    src.push(amp(buf[128 + 2 * bin], buf[128 + 2 * bin + 1]));
  }
  return Array.from({ length: 114 }, (_, j) => {
    const pos = (j * 55) / 113;
    const i0 = Math.floor(pos);
    const f = pos - i0;
    return Math.round(src[i0] * (1 - f) + (src[Math.min(i0 + 1, 55)] ?? 0) * f);
  });
}

let node: VirtualNode;
let transport: SerialTransport;
let session: NodeSession;
const got: Message[] = [];

beforeAll(async () => {
  const file = join(buildDir, 'rec.pecsrec');
  writeFileSync(file, encodeCsiRecording(records));
  node = await startVirtualNode({ modelDir, buildDir, replayCsi: file, packetRate: 0, hop: 5 });
  transport = await SerialTransport.open(node.port, 921600);
  session = new NodeSession(transport, 10_000);
  session.onMessage((m) => {
    if (m.type === 'CSI_PACKET' || m.type === 'KEYPOINTS') got.push(m);
  });
});

afterAll(async () => {
  session?.close();
  await transport?.close();
  await node?.stop();
});

describe('live replay of a CSI recording', () => {
  it('reports live-replay mode, streams after STREAM_START and counts what it captured', async () => {
    expect((await session.hello()).mode).toBe('live-replay');
    await session.control({ type: 'STREAM_START', flags: 3, hop: 5 });
    const deadline = Date.now() + 15_000;
    while (got.filter((m) => m.type === 'KEYPOINTS').length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const stats = await session.stats();
    expect(stats).toMatchObject({ packetsCaptured: records.length, packetsDropped: 1, inferences: 4 });
    // INFO reports the layout of the last packet delivered and every layout seen (the virtual node has no radio).
    expect((await session.hello()).csi).toEqual({ layout: 'ht40-below', layoutsSeen: ['nonht', 'ht20', 'ht40-below'], channel: null, secondChannel: null });
    expect(stats.queueHighWater).toBeGreaterThanOrEqual(1);
    expect(stats.queueHighWater).toBeLessThanOrEqual(32);
  });

  it('CSI_PACKET rows are the selected subcarriers amplitudes of each link', () => {
    const packets = got.filter((m): m is Extract<Message, { type: 'CSI_PACKET' }> => m.type === 'CSI_PACKET');
    expect(packets.map((p) => p.packetSeq)).toEqual(Array.from({ length: SLOTS }, (_, i) => i));
    const used = records.filter((r) => r.layout !== 1);
    for (let s = 0; s < SLOTS; s++) {
      const p = packets[s];
      expect(p.linkMask).toBe(7);
      expect(p.rssi).toEqual([-40, -41, -42]);
      expect(p.timestampUs).toBe(s * 10_000);
      for (let link = 0; link < 3; link++) {
        const rec = used[s * 3 + link];
        const row = Array.from(p.amplitudes.subarray(link * 114, (link + 1) * 114));
        if (rec.layout === 8) expect(row).toEqual(ht40Row(rec.buf));
        else {
          // HT20: the node interpolates with Q16 positions and weights, the oracle in float; the
          // position error (< 2^-16) times the largest neighbour difference (< 2^15 / 2^16 of a step)
          // keeps the results within one unit of the input format.
          const want = ht20Row(rec.buf);
          row.forEach((v, j) => expect(Math.abs(v - want[j])).toBeLessThanOrEqual(1));
          expect(row[0]).toBe(want[0]);
          expect(row[113]).toBe(want[113]);
        }
      }
    }
  });

  it('KEYPOINTS are the model outputs of the last 10 slots, every 5 slots', async () => {
    const packets = got.filter((m): m is Extract<Message, { type: 'CSI_PACKET' }> => m.type === 'CSI_PACKET');
    const kps = got.filter((m): m is Extract<Message, { type: 'KEYPOINTS' }> => m.type === 'KEYPOINTS');
    expect(kps.map((k) => k.windowSeq)).toEqual([0, 1, 2, 3]);
    const windows = [10, 15, 20, 25].map((end) => {
      const w = new Int16Array(3420);
      for (let p = 0; p < 10; p++) {
        const pk = packets[end - 10 + p];
        for (let lk = 0; lk < 342; lk++) w[lk * 10 + p] = pk.amplitudes[lk];
      }
      return w;
    });
    const batch = await buildFirmwareProgram({ program: 'batch', modelDir, buildDir });
    const r = await run(batch, [], packWindows(windows));
    const want = unpackOutputs(r.stdout);
    kps.forEach((k, i) => expect(Array.from(k.keypoints)).toEqual(Array.from(want[i])));
    // The order on the wire: a window's KEYPOINTS follow the CSI_PACKET that completed it.
    const order = got.map((m) => (m.type === 'CSI_PACKET' ? `p${m.packetSeq}` : `k${(m as { windowSeq: number }).windowSeq}`));
    expect(order.indexOf('k0')).toBe(order.indexOf('p9') + 1);
  });
});

describe('STREAM_STOP', () => {
  it('stops a looping replay: after the ACK nothing more arrives', async () => {
    const file = join(buildDir, 'rec-loop.pecsrec');
    writeFileSync(file, encodeCsiRecording(records));
    const n = await startVirtualNode({ modelDir, buildDir, replayCsi: file, packetRate: 3000, loop: true, hop: 5 });
    const t = await SerialTransport.open(n.port, 921600);
    const s = new NodeSession(t, 10_000);
    try {
      const seen: Message[] = [];
      s.onMessage((m) => seen.push(m));
      await s.control({ type: 'STREAM_START', flags: 1, hop: 0 });
      while (seen.filter((m) => m.type === 'CSI_PACKET').length < 40) await new Promise((r) => setTimeout(r, 10));
      await s.control({ type: 'STREAM_STOP' });
      const before = seen.length;
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.length).toBe(before);
      // Flag bit 1 was off: packets were streamed, but no window was run.
      expect(seen.filter((m) => m.type === 'KEYPOINTS')).toEqual([]);
      expect((await s.stats()).inferences).toBe(0);
    } finally {
      s.close();
      await t.close();
      expect(await n.stop()).toBe(0);
    }
  });
});
