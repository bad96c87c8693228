// Golden tests of the CSI buffer layouts (firmware/core/csi.c, its TS mirror src/data/csi-layouts.ts): for
// every layout, random I/Q buffers go through the C conversion and the TS mirror (bit for bit equal) and are
// checked against an independent oracle written the way the layout tables are documented
// (/work/shared/reference/csi-layouts.md, docs/protocol.md): the LTF's byte offset, the subcarrier index of
// each entry in buffer order, and the index of the packet's centre (+32 / -32 when a 20 MHz packet is
// indexed on a 40 MHz grid), amplitudes in float. Also: the layout classification from rx_ctrl fields, and
// first_word_invalid.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFirmwareProgram, readModelHeader } from '../../src/host/virtual-node.ts';
import { CSI_LAYOUTS, layoutAmplitudesQ, layoutByName, layoutHe, layoutLegacy } from '../../src/data/csi-layouts.ts';
import { snapshotModelDir, tempBuildDir } from './helpers.ts';

const buildDir = tempBuildDir('csi');
const modelDir = snapshotModelDir(buildDir);
const F = readModelHeader(modelDir).inputFracBits;

/** [name, length, LTF byte offset, subcarrier index ranges of the LTF's entries in buffer order, index of the packet's centre]. */
type Doc = [string, number, number, [number, number][], number];
const DOCS: Doc[] = [
  // ESP32 / S2 / S3 / C3 (ESP-IDF Wi-Fi guide): LLTF (64 entries) first, the HT-LTF from byte 128.
  ['nonht', 128, 0, [[0, 31], [-32, -1]], 0],
  ['ht20', 256, 128, [[0, 31], [-32, -1]], 0],
  ['ht20-stbc', 384, 128, [[0, 31], [-32, -1]], 0],
  ['ht20-below', 256, 128, [[0, 63]], 32],
  ['ht20-above', 256, 128, [[-64, -1]], -32],
  ['ht20-stbc-below', 380, 128, [[0, 62]], 32],
  ['ht20-stbc-above', 376, 128, [[-62, -1]], -32],
  ['ht40-below', 384, 128, [[0, 63], [-64, -1]], 0],
  ['ht40-above', 384, 128, [[0, 63], [-64, -1]], 0],
  ['ht40-stbc-below', 612, 128, [[0, 60], [-60, -1]], 0],
  ['ht40-stbc-above', 612, 128, [[0, 60], [-60, -1]], 0],
  // ESP32-C6 (esp-csi's C6 parser and captured rows): one LTF over the whole FFT in ascending order.
  ['c6-nonht', 106, 0, [[-26, 26]], 0],
  ['c6-ht20', 128, 0, [[-32, 31]], 0],
  ['c6-ht40', 256, 0, [[-64, 63]], 0],
  ['c6-he20', 512, 0, [[-128, 127]], 0],
  // ESP32-C5 (esp-csi's C5 parser and captured rows): the occupied tones only, ascending.
  ['c5-nonht', 106, 0, [[-26, 26]], 0],
  ['c5-ht20', 114, 0, [[-28, 28]], 0],
  ['c5-ht20-stbc', 228, 0, [[-28, 28]], 0],
  ['c5-ht40', 234, 0, [[-58, 58]], 0],
  ['c5-ht40-stbc', 468, 0, [[-58, 58]], 0],
  ['c5-he20', 490, 0, [[-122, 122]], 0],
];

/** The tones a rule uses, written out from the 802.11 tone plans. */
const TONES: Record<string, number[]> = {
  ht40: [...range(-58, -2), ...range(2, 58)],
  ht20: [...range(-28, -1), ...range(1, 28)],
  he20: [...range(-122, -2), ...range(2, 122)],
};
function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

/** Float oracle: tone -> byte of its imaginary part, from the documented ranges. */
function toneBytes(doc: Doc): Map<number, number> {
  const [, , offset, ranges, centre] = doc;
  const m = new Map<number, number>();
  let entry = 0;
  for (const [a, b] of ranges) for (let idx = a; idx <= b; idx++) m.set(idx - centre, offset + 2 * entry++);
  return m;
}
function oracle(doc: Doc, rule: string, buf: Int8Array, fwi = false): number[] {
  const bytes = toneBytes(doc);
  const amp = (t: number) => {
    let b = bytes.get(t);
    if (b === undefined) throw new Error(`${doc[0]}: tone ${t} is not in the buffer`);
    if (fwi && b < 4) b = 4;
    return Math.hypot(buf[b], buf[b + 1]) * 2 ** F;
  };
  const src = TONES[rule].map(amp);
  if (rule === 'ht40') return src.map(Math.round);
  return Array.from({ length: 114 }, (_, j) => {
    const pos = (j * (src.length - 1)) / 113;
    const i0 = Math.floor(pos);
    return Math.round(src[i0] * (1 - (pos - i0)) + src[Math.min(i0 + 1, src.length - 1)] * (pos - i0));
  });
}

let seed = 4242;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed >>> 8;
};
/** Random I/Q; below 90 in magnitude |h| < 128 stays under int16 saturation for F <= 8 (the last trials also saturate). */
const iq = (n: number, full = false) => Int8Array.from({ length: n }, () => (full ? (rnd() % 256) - 128 : (rnd() % 181) - 90));
const hex = (b: Int8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');

let proc: ChildProcessWithoutNullStreams;
let lines: Interface;
const pending: ((l: string) => void)[] = [];
const buffered: string[] = [];
function nextLine(): Promise<string> {
  return buffered.length ? Promise.resolve(buffered.shift()!) : new Promise((res) => pending.push(res));
}
function ask(req: string): Promise<string> {
  proc.stdin.write(`${req}\n`);
  return nextLine();
}
async function askTable(): Promise<string[]> {
  const rows: string[] = [];
  for (let l = await ask('table'); l !== 'end'; l = await nextLine()) rows.push(l);
  return rows;
}
async function conv(layout: number, buf: Int8Array, fwi = false, link = 0): Promise<number[] | string> {
  const r = await ask(`conv ${layout} ${fwi ? 1 : 0} ${link} ${hex(buf)}`);
  return r.startsWith('ok ') ? r.slice(3).split(' ').map(Number) : r;
}

beforeAll(async () => {
  const exe = await buildFirmwareProgram({ program: 'csi-test', modelDir, buildDir });
  proc = spawn(exe, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  lines = createInterface({ input: proc.stdout });
  lines.on('line', (l) => {
    const waiter = pending.shift();
    if (waiter) waiter(l);
    else buffered.push(l);
  });
}, 60_000);
afterAll(() => {
  proc?.stdin.end();
  proc?.kill();
});

describe('CSI layout table', () => {
  it('the C table and the TS mirror are the same table, and every documented layout has its row', async () => {
    const RULES = ['none', 'ht40', 'ht20', 'he20'];
    const c = (await askTable()).map((l) => l.split(' '));
    expect(c.map(([id, name, len, off, entries, zero, rule]) => [Number(id), name, Number(len), Number(off), Number(entries), Number(zero), RULES[Number(rule)]])).toEqual(
      CSI_LAYOUTS.slice(1).map((l) => [l.id, l.name, l.len, l.offset, l.entries, l.zero === 'fft' ? -1 : l.zero, l.rule]),
    );
    expect(DOCS.map((d) => d[0]).sort()).toEqual(CSI_LAYOUTS.slice(1).map((l) => l.name).sort());
    // Every row covers exactly its length: the LTF entries it documents fit in the buffer.
    for (const [name, len, offset, ranges] of DOCS) {
      const entries = ranges.reduce((s, [a, b]) => s + b - a + 1, 0);
      expect(offset + 2 * entries, name).toBeLessThanOrEqual(len);
      expect(layoutByName(name)!.entries, name).toBe(entries);
    }
  });
});

describe.each(DOCS.map((d) => [d[0], d] as const))('layout %s', (name, doc) => {
  const layout = layoutByName(name)!;
  it(layout.rule === 'none' ? 'is dropped by the node (not used by the model)' : `gives the ${layout.rule} tones: C == TS mirror bit for bit, == the documented oracle`, async () => {
    for (let trial = 0; trial < 4; trial++) {
      const buf = iq(doc[1], trial === 3);
      const c = await conv(layout.id, buf);
      const ts = layoutAmplitudesQ(layout, buf, false, F);
      if (layout.rule === 'none') {
        expect(c).toBe('err 1');
        expect(ts).toBeNull();
        continue;
      }
      expect(c).toEqual(Array.from(ts!));
      const want = oracle(doc, layout.rule, buf);
      if (layout.rule === 'ht40') expect(c).toEqual(want);
      else {
        // Interpolated rules: the node uses Q16 positions and weights, the oracle floats; the position error
        // (< 2^-16 of a step) times the largest neighbour difference (< 2^15) keeps them within one unit.
        (c as number[]).forEach((v, j) => expect(Math.abs(v - want[j]), `${name} output ${j}`).toBeLessThanOrEqual(1));
        expect((c as number[])[0]).toBe(want[0]);
        expect((c as number[])[113]).toBe(want[113]);
      }
    }
  });
  it('refuses a buffer of another length, and a link outside 0..2', async () => {
    expect(await conv(layout.id, iq(doc[1] - 2))).toBe(layout.rule === 'none' ? 'err 1' : 'err 2');
    expect(layoutAmplitudesQ(layout, iq(doc[1] - 2), false, F)).toBeNull();
    expect(await conv(layout.id, iq(doc[1]), false, 3)).toBe('err 3');
  });
  it('first_word_invalid: bytes 0..3 read as the entry after them', async () => {
    if (layout.rule === 'none') return;
    const buf = iq(doc[1]);
    const c = await conv(layout.id, buf, true);
    expect(c).toEqual(Array.from(layoutAmplitudesQ(layout, buf, true, F)!));
    if (layout.rule === 'ht40') expect(c).toEqual(oracle(doc, layout.rule, buf, true));
    // Only the C5 layouts (LTF at byte 0 starting with used tones) are affected.
    const usesFirstWord = toneBytes(doc).get(TONES[layout.rule][0])! < 4;
    expect(usesFirstWord).toBe(layout.family === 'c5');
    if (!usesFirstWord) expect(c).toEqual(await conv(layout.id, buf, false));
    else expect(c).not.toEqual(await conv(layout.id, buf, false));
  });
});

describe('layout of a packet from its rx_ctrl fields', () => {
  // [sig_mode, cwb, stbc, secondary, len, expected]
  const LEGACY: [number, number, number, number, number, string | null][] = [
    [0, 0, 0, 0, 128, 'nonht'], [0, 0, 0, 2, 128, 'nonht'], [0, 0, 0, 1, 128, 'nonht'], [0, 1, 0, 2, 384, null],
    [1, 0, 0, 0, 256, 'ht20'], [1, 0, 1, 0, 384, 'ht20-stbc'], [1, 0, 0, 2, 256, 'ht20-below'], [1, 0, 0, 1, 256, 'ht20-above'],
    [1, 0, 1, 2, 380, 'ht20-stbc-below'], [1, 0, 1, 1, 376, 'ht20-stbc-above'], [1, 1, 0, 2, 384, 'ht40-below'], [1, 1, 0, 1, 384, 'ht40-above'],
    [1, 1, 1, 2, 612, 'ht40-stbc-below'], [1, 1, 1, 1, 612, 'ht40-stbc-above'], [3, 0, 0, 0, 256, 'ht20'],
    // the length must be the layout's; 40 MHz needs a secondary channel
    [1, 0, 0, 0, 384, null], [1, 1, 0, 2, 256, null], [1, 1, 0, 0, 384, null], [1, 0, 0, 3, 256, null],
  ];
  it.each(LEGACY)('ESP32/S3/C3: sig_mode %i cwb %i stbc %i secondary %i len %i -> %s', async (sig, cwb, stbc, sec, len, want) => {
    const id = want ? layoutByName(want)!.id : 0;
    expect(Number(await ask(`legacy ${sig} ${cwb} ${stbc} ${sec} ${len}`))).toBe(id);
    expect(layoutLegacy(sig, cwb, stbc, sec, len)?.id ?? 0).toBe(id);
  });
  // [family, cur_bb_format, len, expected]
  const HE: ['c6' | 'c5', number, number, string | null][] = [
    ['c6', 1, 106, 'c6-nonht'], ['c6', 2, 128, 'c6-ht20'], ['c6', 2, 256, 'c6-ht40'], ['c6', 4, 512, 'c6-he20'],
    ['c5', 1, 106, 'c5-nonht'], ['c5', 2, 114, 'c5-ht20'], ['c5', 3, 114, 'c5-ht20'], ['c5', 2, 228, 'c5-ht20-stbc'], ['c5', 2, 234, 'c5-ht40'],
    ['c5', 2, 468, 'c5-ht40-stbc'], ['c5', 4, 490, 'c5-he20'],
    ['c6', 4, 256, null], ['c6', 2, 512, null], ['c6', 2, 234, null], ['c5', 2, 256, null], ['c6', 5, 512, null],
  ];
  it.each(HE)('Wi-Fi 6: %s cur_bb_format %i len %i -> %s', async (family, fmt, len, want) => {
    const id = want ? layoutByName(want)!.id : 0;
    expect(Number(await ask(`he ${family === 'c6' ? 6 : 5} ${fmt} ${len}`))).toBe(id);
    expect(layoutHe(family, fmt, len)?.id ?? 0).toBe(id);
  });
});
