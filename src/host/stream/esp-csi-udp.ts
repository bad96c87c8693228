// The binary CSI frames of the esp32-csi-node firmware (wifi-densepose ADR-018), sent one per UDP datagram,
// and their conversion to one row of 114 subcarrier amplitudes (raw |h|, float, as in the data contract).
// Layout (little-endian, the ESP32's byte order; /work/shared/reference/esp-rom-loader-and-csi.md §4):
//   0 u32 magic 0xC5110001 | 4 u8 node_id | 5 u8 n_ant | 6 u16 n_sub (= len/2) | 8 u32 freq MHz |
//   12 u32 seq | 16 i8 rssi | 17 i8 noise | 18 u16 reserved | 20 the driver's CSI buffer (len = 2*n_sub)
// The buffer is ESP-IDF's: int8 pairs per subcarrier, imaginary first, then real; LLTF (64 bins, 128 bytes)
// then HT-LTF, each field in FFT order 0..N/2-1, -N/2..-1. (That firmware's own parser calls the pairs
// "I then Q"; the amplitude is the same either way.) Tone selection is the node's (docs/protocol.md):
// HT40 takes tones -58..-2, +2..+58 of the 128-bin HT-LTF; HT20 interpolates the 56 tones -28..-1, +1..+28
// linearly onto 114 points (output j at source position j*55/113).
import { PoseEdgeError } from '../../errors.ts';

export const ESP_CSI_MAGIC = 0xc5110001;
export const ESP_CSI_HEADER = 20;
const HTLTF_OFFSET = 128;

export class EspCsiFrameError extends PoseEdgeError {}

export interface EspCsiFrame {
  nodeId: number;
  nAnt: number;
  nSub: number;
  freqMhz: number;
  seq: number;
  rssi: number;
  noise: number;
  buf: Int8Array;
}

/** Parses one datagram; throws EspCsiFrameError naming what is wrong (`where` names the sender). */
export function parseEspCsiFrame(d: Uint8Array, where: string): EspCsiFrame {
  if (d.length < ESP_CSI_HEADER) throw new EspCsiFrameError(`${where}: datagram of ${d.length} bytes is shorter than the ${ESP_CSI_HEADER}-byte CSI frame header`);
  const dv = new DataView(d.buffer, d.byteOffset, d.length);
  const magic = dv.getUint32(0, true);
  if (magic !== ESP_CSI_MAGIC) throw new EspCsiFrameError(`${where}: magic 0x${magic.toString(16).padStart(8, '0')} is not a CSI frame (0xc5110001)`);
  const nSub = dv.getUint16(6, true);
  if (d.length - ESP_CSI_HEADER !== 2 * nSub) {
    throw new EspCsiFrameError(`${where}: n_sub ${nSub} says ${2 * nSub} CSI bytes, the datagram carries ${d.length - ESP_CSI_HEADER}`);
  }
  return {
    nodeId: d[4],
    nAnt: d[5],
    nSub,
    freqMhz: dv.getUint32(8, true),
    seq: dv.getUint32(12, true),
    rssi: dv.getInt8(16),
    noise: dv.getInt8(17),
    buf: new Int8Array(d.buffer, d.byteOffset + ESP_CSI_HEADER, 2 * nSub),
  };
}

export type Bandwidth = 'ht40' | 'ht20';
export type BandwidthRule = 'auto' | Bandwidth;

/**
 * What a buffer length means. The frame does not say whether the packet was HT40 or HT20 STBC, and both
 * give 384 bytes (HT40 with a secondary channel, HT20 STBC without one): 'auto' reads 384 as HT40, the
 * configuration that matches the model's 114 tones; pass 'ht20' for HT20 STBC captures.
 */
export function bandwidthOf(len: number, rule: BandwidthRule): Bandwidth | 'legacy' | 'unknown' {
  if (len === 128) return 'legacy';
  if (rule !== 'auto') return len >= HTLTF_OFFSET + (rule === 'ht40' ? 256 : 128) ? rule : 'unknown';
  if (len === 384 || len === 612) return 'ht40';
  if (len === 256 || len === 376 || len === 380) return 'ht20';
  return 'unknown';
}

function amp(buf: Int8Array, bin: number): number {
  const im = buf[HTLTF_OFFSET + 2 * bin];
  const re = buf[HTLTF_OFFSET + 2 * bin + 1];
  return Math.sqrt(im * im + re * re);
}

/** 114 amplitudes of one packet, or null for a packet the model cannot use (legacy or unknown length). */
export function csiRow(buf: Int8Array, rule: BandwidthRule = 'auto'): { row: Float32Array; bandwidth: Bandwidth } | null {
  const bw = bandwidthOf(buf.length, rule);
  if (bw !== 'ht40' && bw !== 'ht20') return null;
  const row = new Float32Array(114);
  if (bw === 'ht40') {
    let k = 0;
    for (let tone = -58; tone <= 58; tone++) if (Math.abs(tone) > 1) row[k++] = amp(buf, tone >= 0 ? tone : 128 + tone);
    return { row, bandwidth: bw };
  }
  const src: number[] = [];
  for (let tone = -28; tone <= 28; tone++) if (tone !== 0) src.push(amp(buf, tone >= 0 ? tone : 64 + tone));
  for (let j = 0; j < 114; j++) {
    const pos = (j * 55) / 113;
    const i0 = Math.floor(pos);
    const f = pos - i0;
    row[j] = src[i0] * (1 - f) + src[Math.min(i0 + 1, 55)] * f;
  }
  return { row, bandwidth: bw };
}
