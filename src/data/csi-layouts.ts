// The CSI buffer layouts of the supported chips and their rule to the model's 114 subcarriers: the host's
// mirror of the table in firmware/core/csi.c (test/firmware/csi-layouts.test.ts checks that both give the
// same table and bit-identical amplitudes). Numbers only: the recording format (src/host/protocol), the
// log importer and the synthetic driver buffers (src/data/csisim/driver.ts) all use it.
//
// Every entry of a buffer is an int8 pair, imaginary first, then real. A layout says which byte the LTF the
// model reads starts at, how many entries it has, and where tone t is: entry t + zero (ascending frequency),
// or FFT order (entry t for t >= 0, entries + t for t < 0). Rules (docs/protocol.md, "CSI on the node"):
//   ht40: tones -58..-2, +2..+58, exactly the model's 114;
//   ht20: tones -28..-1, +1..+28 (56) linearly interpolated onto 114 points (output j at j * 55 / 113);
//   he20: tones -122..-2, +2..+122 (242) linearly interpolated onto 114 points (output j at j * 241 / 113);
//   none: a legacy (11a/g) packet's 52 tones: not used.
import { SUBCARRIERS } from './window.ts';

export type CsiRule = 'none' | 'ht40' | 'ht20' | 'he20';
export type CsiFamily = 'legacy' | 'c6' | 'c5';

export interface CsiLayout {
  /** Stable number (recordings and INFO carry it); 0 is "unknown". */
  id: number;
  name: string;
  family: CsiFamily;
  /** Buffer bytes the driver delivers. */
  len: number;
  /** Byte offset of the LTF the tones are read from. */
  offset: number;
  entries: number;
  /** Entry of tone 0 (ascending order), or 'fft' for FFT order. */
  zero: number | 'fft';
  rule: CsiRule;
  /** What it is, for messages and docs. */
  what: string;
}

const L = (id: number, name: string, family: CsiFamily, len: number, offset: number, entries: number, zero: number | 'fft', rule: CsiRule, what: string): CsiLayout => ({
  id, name, family, len, offset, entries, zero, rule, what,
});

/** Indexed by id (index 0 unused). */
export const CSI_LAYOUTS: readonly CsiLayout[] = [
  L(0, 'unknown', 'legacy', 0, 0, 0, 0, 'none', 'unknown layout'),
  L(1, 'nonht', 'legacy', 128, 0, 64, 'fft', 'none', 'ESP32/S2/S3/C3 non-HT (11a/g): LLTF only'),
  L(2, 'ht20', 'legacy', 256, 128, 64, 'fft', 'ht20', 'ESP32/S2/S3/C3 HT20, no secondary channel: LLTF + HT-LTF'),
  L(3, 'ht20-stbc', 'legacy', 384, 128, 64, 'fft', 'ht20', 'ESP32/S2/S3/C3 HT20 STBC, no secondary channel'),
  L(4, 'ht20-below', 'legacy', 256, 128, 64, 32, 'ht20', 'ESP32/S2/S3/C3 HT20, secondary channel below'),
  L(5, 'ht20-above', 'legacy', 256, 128, 64, 32, 'ht20', 'ESP32/S2/S3/C3 HT20, secondary channel above'),
  L(6, 'ht20-stbc-below', 'legacy', 380, 128, 63, 32, 'ht20', 'ESP32/S2/S3/C3 HT20 STBC, secondary channel below'),
  L(7, 'ht20-stbc-above', 'legacy', 376, 128, 62, 30, 'ht20', 'ESP32/S2/S3/C3 HT20 STBC, secondary channel above'),
  L(8, 'ht40-below', 'legacy', 384, 128, 128, 'fft', 'ht40', 'ESP32/S2/S3/C3 HT40, secondary channel below'),
  L(9, 'ht40-above', 'legacy', 384, 128, 128, 'fft', 'ht40', 'ESP32/S2/S3/C3 HT40, secondary channel above'),
  L(10, 'ht40-stbc-below', 'legacy', 612, 128, 121, 'fft', 'ht40', 'ESP32/S2/S3/C3 HT40 STBC, secondary channel below'),
  L(11, 'ht40-stbc-above', 'legacy', 612, 128, 121, 'fft', 'ht40', 'ESP32/S2/S3/C3 HT40 STBC, secondary channel above'),
  L(12, 'c6-nonht', 'c6', 106, 0, 53, 26, 'none', 'ESP32-C6 non-HT (11a/g)'),
  L(13, 'c6-ht20', 'c6', 128, 0, 64, 32, 'ht20', 'ESP32-C6 HT20'),
  L(14, 'c6-ht40', 'c6', 256, 0, 128, 64, 'ht40', 'ESP32-C6 HT40'),
  L(15, 'c6-he20', 'c6', 512, 0, 256, 128, 'he20', 'ESP32-C6 HE20 SU'),
  L(16, 'c5-nonht', 'c5', 106, 0, 53, 26, 'none', 'ESP32-C5 non-HT (11a/g)'),
  L(17, 'c5-ht20', 'c5', 114, 0, 57, 28, 'ht20', 'ESP32-C5 HT20 / VHT20'),
  L(18, 'c5-ht20-stbc', 'c5', 228, 0, 57, 28, 'ht20', 'ESP32-C5 HT20 STBC: HT-LTF1, HT-LTF2'),
  L(19, 'c5-ht40', 'c5', 234, 0, 117, 58, 'ht40', 'ESP32-C5 HT40'),
  L(20, 'c5-ht40-stbc', 'c5', 468, 0, 117, 58, 'ht40', 'ESP32-C5 HT40 STBC: HT-LTF1, HT-LTF2'),
  L(21, 'c5-he20', 'c5', 490, 0, 245, 122, 'he20', 'ESP32-C5 HE20 SU'),
];

export const CSI_LAYOUT_COUNT = CSI_LAYOUTS.length;
/** Largest buffer of any layout. */
export const CSI_MAX_BUF = 612;

export function layoutById(id: number): CsiLayout | null {
  return Number.isInteger(id) && id >= 1 && id < CSI_LAYOUT_COUNT ? CSI_LAYOUTS[id] : null;
}

export function layoutByName(name: string): CsiLayout | null {
  return CSI_LAYOUTS.find((l) => l.id > 0 && l.name === name) ?? null;
}

/**
 * ESP32/S2/S3/C3: the layout from rx_ctrl's sig_mode (0 non-HT, 1 HT, 3 VHT), cwb, stbc, secondary_channel
 * (0 none, 1 above, 2 below) and the buffer length, which must be the layout's; null otherwise.
 */
export function layoutLegacy(sigMode: number, cwb: number, stbc: number, secondary: number, len: number): CsiLayout | null {
  const ifLen = (id: number) => (CSI_LAYOUTS[id].len === len ? CSI_LAYOUTS[id] : null);
  if (sigMode === 0) return ifLen(1);
  if (!(secondary >= 0 && secondary <= 2)) return null;
  if (cwb) {
    if (secondary === 0) return null;
    return ifLen(secondary === 2 ? (stbc ? 10 : 8) : stbc ? 11 : 9);
  }
  const ht20 = [[2, 3], [5, 7], [4, 6]];
  return ifLen(ht20[secondary][stbc ? 1 : 0]);
}

/**
 * ESP32-C6 (family c6) or a Wi-Fi MAC version 3 chip, C5 or C61 (family c5): the layout from cur_bb_format
 * (0 11b, 1 11g/a, 2 HT, 3 VHT, 4 HE SU) and the length; with bbFormat null (a log that does not print it) the length alone decides.
 */
export function layoutHe(family: 'c6' | 'c5', bbFormat: number | null, len: number): CsiLayout | null {
  const l = CSI_LAYOUTS.find((x) => x.family === family && x.len === len);
  if (!l) return null;
  if (bbFormat === null) return l;
  const ok = l.rule === 'none' ? bbFormat <= 1 : l.rule === 'he20' ? bbFormat === 4 : bbFormat === 2 || bbFormat === 3;
  return ok ? l : null;
}

/** The Wi-Fi 6 layout a buffer length implies (C6 and C5 lengths differ except non-HT's 106, read as C6). */
export function layoutHeByLen(len: number): CsiLayout | null {
  return layoutHe('c6', null, len) ?? layoutHe('c5', null, len);
}

/** The entry tone `tone` sits at in a layout. */
export function toneEntry(l: CsiLayout, tone: number): number {
  return l.zero === 'fft' ? (tone >= 0 ? tone : l.entries + tone) : tone + l.zero;
}

/** The tones a rule reads, in ascending frequency (114 for ht40, 56 for ht20, 242 for he20). */
export function ruleTones(rule: CsiRule): number[] {
  const tones: number[] = [];
  if (rule === 'ht40') for (let t = -58; t <= 58; t++) if (Math.abs(t) >= 2) tones.push(t);
  if (rule === 'ht20') for (let t = -28; t <= 28; t++) if (t !== 0) tones.push(t);
  if (rule === 'he20') for (let t = -122; t <= 122; t++) if (Math.abs(t) >= 2) tones.push(t);
  return tones;
}

/** Byte of a tone's imaginary part; with first_word_invalid, bytes 0..3 read as the entry after them. */
function toneByte(l: CsiLayout, tone: number, firstWordInvalid: boolean): number {
  const b = l.offset + 2 * toneEntry(l, tone);
  return firstWordInvalid && b < 4 ? 4 : b;
}

/** round(sqrt(v)) for an integer 0 <= v < 2^52, exactly (an integer never lies halfway between squares' roots). */
function isqrtRound(v: number): number {
  let r = Math.floor(Math.sqrt(v));
  while (r * r > v) r--;
  while ((r + 1) * (r + 1) <= v) r++;
  return v - r * r > r ? r + 1 : r;
}

/** |h| in the model input format, as the node computes it: sat_int16(round(sqrt(im^2 + re^2) * 2^F)). */
export function amplitudeQ(im: number, re: number, fracBits: number): number {
  return Math.min(32767, isqrtRound((im * im + re * re) * 2 ** (2 * fracBits)));
}

/** n values onto 114 points, as the node does: Q16 position j * (n - 1) / 113 and weights, rounded half up. */
function interpolateQ(src: number[], out: Int16Array): void {
  const n = src.length;
  for (let j = 0; j < SUBCARRIERS; j++) {
    const pos = Math.floor((j * (n - 1) * 65536) / (SUBCARRIERS - 1));
    const i0 = Math.floor(pos / 65536);
    const frac = pos % 65536;
    const a = src[i0];
    const b = src[i0 + 1 < n ? i0 + 1 : i0];
    out[j] = Math.floor((a * (65536 - frac) + b * frac + 32768) / 65536);
  }
}

/**
 * The packet's 114 amplitudes in the model input format, bit for bit what firmware/core/csi.c computes, or
 * null when the node drops it (a layout with rule none, or a buffer that is not the layout's length).
 */
export function layoutAmplitudesQ(l: CsiLayout, buf: Int8Array, firstWordInvalid: boolean, fracBits: number): Int16Array | null {
  if (l.rule === 'none' || buf.length !== l.len) return null;
  const amp = (t: number) => {
    const b = toneByte(l, t, firstWordInvalid);
    return amplitudeQ(buf[b], buf[b + 1], fracBits);
  };
  const out = new Int16Array(SUBCARRIERS);
  const tones = ruleTones(l.rule);
  if (l.rule === 'ht40') tones.forEach((t, k) => (out[k] = amp(t)));
  else interpolateQ(tones.map(amp), out);
  return out;
}
