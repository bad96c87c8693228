// The round trip of docs/import.md: a messy esp-csi log -> `pose-edge import --out rec.pecsrec --npy X.npy` ->
// the virtual node replaying rec.pecsrec through its live path -> `pose-edge stream --json --out s.pestrm`:
// KEYPOINTS for every complete window (as many as import --npy has, numbered 0..N-1, each the model's output on
// import's window, run by the batch program), and `stream export s.pestrm --npy` equal to import's X.npy, bit
// for bit.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy } from '../../../src/io/npy.ts';
import { quantizeInput } from '../../../src/compiler/io-format.ts';
import { buildFirmwareProgram, readModelHeader, startVirtualNode, type VirtualNode } from '../../../src/host/virtual-node.ts';
import { runCli } from '../../helpers/cli.ts';
import { packWindows, run, snapshotModelDir, tempBuildDir, unpackOutputs } from '../../firmware/helpers.ts';
import { CLASSIC_HEADER, classicLine, iq, packets } from './logs.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pose-edge-import-rt-'));
const buildDir = tempBuildDir('import-rt');
const modelDir = snapshotModelDir(buildDir);
const F = readModelHeader(modelDir).inputFracBits;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// 42 slots of 3 transmitters: HT40 below, a few HT20 and HT40 STBC buffers, with monitor text, a header, two
// rows printed out of order, a non-HT row and a last line cut in the middle.
const ps = packets(42, 'ht40-below');
ps[20] = { ...ps[20], layout: 'ht20-below', buf: iq(256) };
ps[61] = { ...ps[61], layout: 'ht40-stbc-below', buf: iq(612), fwi: true };
const printed = [...ps];
[printed[30], printed[31]] = [printed[31], printed[30]];
const LOG = [
  'I (312) wifi:mode : sta (1a:00:00:00:00:0a)',
  CLASSIC_HEADER,
  ...printed.slice(0, 50).map((p, i) => classicLine(p, i)),
  classicLine({ ...ps[50], layout: 'nonht', buf: iq(128) }, 50),
  'W (4012) csi_recv: queue full',
  ...printed.slice(50).map((p, i) => classicLine(p, 50 + i)),
  classicLine(ps[0], 0).slice(0, 300),
];
const SLOTS = 42;
const WINDOWS = Math.floor((SLOTS - 10) / 5) + 1; // at slots 10, 15, ..., 40

let node: VirtualNode;
let imported: { windows: number; records: number };
const logFile = join(tmp, 'capture.log');
const rec = join(tmp, 'rec.pecsrec');
const X = join(tmp, 'X.npy');

beforeAll(async () => {
  writeFileSync(logFile, LOG.join('\n') + '\n');
  imported = JSON.parse(await runCli('import', [logFile, '--out', rec, '--npy', X, '--model-dir', modelDir, '--json']));
  node = await startVirtualNode({ modelDir, buildDir, replayCsi: rec, packetRate: 0, hop: 5 });
}, 120_000);
afterAll(async () => {
  await node?.stop();
});

describe('import -> node --virtual --replay-csi -> stream', () => {
  it('import: every row used, the summary counts the rest', () => {
    expect(imported).toMatchObject({ records: SLOTS * 3, slots: SLOTS, windows: WINDOWS, timestamps: { reordered: 1 } });
  });

  it('stream --json yields KEYPOINTS for every complete window, the model\'s output on import --npy\'s windows; stream export == import --npy', async () => {
    const out = join(tmp, 's.pestrm');
    const text = await runCli('stream', [node.port, '--json', '--out', out, '--duration', '2.5', '--hop', '5']);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    const kps = lines.filter((l) => l.type === 'KEYPOINTS');
    expect(lines.filter((l) => l.type === 'CSI_PACKET')).toHaveLength(SLOTS);
    expect(kps.map((k) => k.windowSeq)).toEqual(Array.from({ length: WINDOWS }, (_, i) => i));
    expect(lines.at(-1)).toMatchObject({ type: 'SUMMARY', keypoints: WINDOWS, packetGaps: 0 });

    const x = readNpy(X);
    expect(x.shape).toEqual([WINDOWS, 3, 114, 10]);
    const data = x.data as Float32Array;
    const windows = Array.from({ length: WINDOWS }, (_, i) => quantizeInput(data.subarray(i * 3420, (i + 1) * 3420), F));
    const batch = await buildFirmwareProgram({ program: 'batch', modelDir, buildDir });
    const want = unpackOutputs((await run(batch, [], packWindows(windows))).stdout);
    kps.forEach((k, i) => expect(k.keypoints, `window ${i}`).toEqual(Array.from(want[i])));

    const Y = join(tmp, 'Y.npy');
    const exported = JSON.parse(await runCli('stream', ['export', out, '--npy', Y, '--hop', '5', '--json']));
    expect(exported).toMatchObject({ windows: WINDOWS, gaps: 0 });
    const y = readNpy(Y);
    expect(y.shape).toEqual(x.shape);
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytes(y.data as Float32Array).equals(bytes(data))).toBe(true);
  }, 60_000);
});
