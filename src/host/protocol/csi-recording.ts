// The CSI recording file (docs/protocol.md, "CSI recording file"): the Wi-Fi driver's packets as captured,
// replayed by the virtual node through the live path (`pose-edge node --virtual --replay-csi FILE`).
// Version 2 (written): magic "PECSREC2", then per packet: u32 timestamp_us, u8 link, i8 rssi, u8 layout
// (src/data/csi-layouts.ts), u8 flags (bit 0 first_word_invalid), u8 channel, u8 reserved 0, u16 len,
// len x int8 (imaginary, real pairs). Version 1 (still read): magic "PECSREC1", per packet u32 timestamp_us,
// u8 link, i8 rssi, u8 flags (bit 0 HT, bit 1 40 MHz, bit 2 first_word_invalid), u8 channel, u16 len, buf;
// its records get the layout their flags and length imply (v1Layout).
// Validated on read with the same rules and messages as the C reader (firmware/linux/recording.c): every
// record complete, a known layout and its length (v1: a length the ESP32 driver delivers), link 0..2, only
// defined flag bits, at least one record; each error names the file, the record index and its byte offset.
import { ProtocolError } from './errors.ts';
import { readFileChecked } from '../../io/fs-errors.ts';
import { CSI_LAYOUT_COUNT, CSI_LAYOUTS, CSI_MAX_BUF, layoutById } from '../../data/csi-layouts.ts';

export { CSI_MAX_BUF };
export const CSI_RECORDING_MAGIC = 'PECSREC2';
export const CSI_RECORDING_MAGIC_V1 = 'PECSREC1';
export const CSI_RECORD_HEADER = 12;
export const CSI_RECORD_HEADER_V1 = 10;
/**
 * v1: buffer sizes of the ESP32 / S2 / S3 / C3 driver with LLTF + HT-LTF + STBC-HT-LTF enabled: non-HT 128,
 * HT20 256, HT20 STBC 376 / 380 / 384, HT40 384, HT40 STBC 612.
 */
export const CSI_VALID_LENS_V1: readonly number[] = [128, 256, 376, 380, 384, 612];
export const CSI_LINKS = 3;

const hex2 = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;

export interface CsiRecord {
  timestampUs: number;
  link: number;
  rssi: number;
  /** Layout id (CSI_LAYOUTS); 0 only for a v1 record whose flags and length fit no layout (the node drops it). */
  layout: number;
  firstWordInvalid: boolean;
  channel: number;
  buf: Int8Array;
}

/** v1: the layout a record's flags (bit 0 HT, bit 1 40 MHz) and length imply; 256-byte HT20 has no secondary channel. */
export function v1Layout(flags: number, len: number): number {
  if (!(flags & 1)) return len === 128 ? 1 : 0;
  if (flags & 2) return len === 384 ? 8 : len === 612 ? 10 : 0;
  return ({ 256: 2, 384: 3, 380: 6, 376: 7 } as Record<number, number>)[len] ?? 0;
}

/** Why a v2 record cannot be replayed, or null: the checks both readers apply to a record's header fields. */
export function csiRecordProblem(layout: number, len: number, link: number, flags: number, reserved = 0): string | null {
  const l = layoutById(layout);
  if (!l) return `CSI layout ${layout} is not a known layout (1..${CSI_LAYOUT_COUNT - 1}, docs/protocol.md)`;
  if (len !== l.len) return `CSI length ${len} is not the length of layout ${l.name} (${l.len} bytes)`;
  if (!Number.isInteger(link) || link < 0 || link >= CSI_LINKS) return `link ${link} is outside 0..${CSI_LINKS - 1}`;
  if (flags & ~1 & 0xff) return `flags ${hex2(flags)} set undefined bits (${hex2(flags & ~1 & 0xff)}); defined: bit 0 first_word_invalid`;
  if (reserved !== 0) return `reserved byte ${hex2(reserved)} is not 0`;
  return null;
}

function v1RecordProblem(len: number, link: number, flags: number): string | null {
  if (!CSI_VALID_LENS_V1.includes(len)) return `CSI length ${len} is not a buffer size the ESP32 driver delivers (128, 256, 376, 380, 384 or 612)`;
  if (link >= CSI_LINKS) return `link ${link} is outside 0..${CSI_LINKS - 1}`;
  if (flags & ~0x07 & 0xff) return `flags ${hex2(flags)} set undefined bits (${hex2(flags & ~0x07 & 0xff)}); defined: bit 0 HT, bit 1 40 MHz, bit 2 first_word_invalid`;
  return null;
}

/** A PECSREC2 file; refuses what the readers would refuse (no records, a layout, length or link outside the rules). */
export function encodeCsiRecording(records: CsiRecord[]): Uint8Array {
  if (records.length === 0) throw new ProtocolError('encode', 'CSI recording: no records (a recording needs at least one packet)');
  const size = 8 + records.reduce((s, r) => s + CSI_RECORD_HEADER + r.buf.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set(Buffer.from(CSI_RECORDING_MAGIC, 'ascii'));
  let o = 8;
  records.forEach((r, i) => {
    if (r.buf.length > CSI_MAX_BUF) throw new ProtocolError('encode', `CSI record ${i}: buffer of ${r.buf.length} bytes exceeds ${CSI_MAX_BUF}`);
    const problem = csiRecordProblem(r.layout, r.buf.length, r.link, 0);
    if (problem) throw new ProtocolError('encode', `CSI record ${i}: ${problem}`);
    dv.setUint32(o, r.timestampUs >>> 0, true);
    out[o + 4] = r.link;
    dv.setInt8(o + 5, r.rssi);
    out[o + 6] = r.layout;
    out[o + 7] = r.firstWordInvalid ? 1 : 0;
    out[o + 8] = r.channel;
    dv.setUint16(o + 10, r.buf.length, true);
    out.set(new Uint8Array(r.buf.buffer, r.buf.byteOffset, r.buf.length), o + CSI_RECORD_HEADER);
    o += CSI_RECORD_HEADER + r.buf.length;
  });
  return out;
}

/** Parses and validates a whole recording (v2 or v1); the first bad record is an error naming its index and byte offset. */
export function decodeCsiRecording(bytes: Uint8Array, name = 'CSI recording'): CsiRecord[] {
  const magic = bytes.length >= 8 ? Buffer.from(bytes.subarray(0, 8)).toString('latin1') : '';
  const version = magic === CSI_RECORDING_MAGIC ? 2 : magic === CSI_RECORDING_MAGIC_V1 ? 1 : 0;
  if (!version) throw new ProtocolError('magic', `${name}: not a pose-edge CSI recording (magic ${CSI_RECORDING_MAGIC} or ${CSI_RECORDING_MAGIC_V1} expected)`);
  const header = version === 2 ? CSI_RECORD_HEADER : CSI_RECORD_HEADER_V1;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: CsiRecord[] = [];
  for (let o = 8; o < bytes.length; ) {
    const at = `${name}: record ${out.length} at byte ${o}`;
    if (o + header > bytes.length) throw new ProtocolError('length', `${at}: truncated header (${bytes.length - o} of ${header} bytes)`);
    const link = bytes[o + 4];
    let len: number, layout: number, fwi: boolean, channel: number, problem: string | null;
    if (version === 2) {
      len = dv.getUint16(o + 10, true);
      layout = bytes[o + 6];
      fwi = (bytes[o + 7] & 1) !== 0;
      channel = bytes[o + 8];
      problem = csiRecordProblem(layout, len, link, bytes[o + 7], bytes[o + 9]);
    } else {
      len = dv.getUint16(o + 8, true);
      const flags = bytes[o + 6];
      layout = v1Layout(flags, len);
      fwi = (flags & 4) !== 0;
      channel = bytes[o + 7];
      problem = v1RecordProblem(len, link, flags);
    }
    if (problem) throw new ProtocolError('length', `${at}: ${problem}`);
    if (o + header + len > bytes.length) {
      throw new ProtocolError('length', `${at}: truncated CSI buffer (${bytes.length - o - header} of ${len} bytes)`);
    }
    out.push({
      timestampUs: dv.getUint32(o, true),
      link,
      rssi: dv.getInt8(o + 5),
      layout,
      firstWordInvalid: fwi,
      channel,
      // A copy: `bytes` may be a Buffer, whose slice() shares (and whose .buffer is) the whole pooled file.
      buf: new Int8Array(bytes.buffer, bytes.byteOffset + o + header, len).slice(),
    });
    o += header + len;
  }
  if (out.length === 0) throw new ProtocolError('length', `${name}: no CSI records (the file holds only the 8-byte magic)`);
  return out;
}

/** Reads and validates a recording file (errors name the path; filesystem errors are one line too). */
export function readCsiRecording(path: string): CsiRecord[] {
  return decodeCsiRecording(readFileChecked(path, 'CSI recording'), path);
}

/** A layout's name for messages ("ht40-below"), or "unknown". */
export function layoutName(id: number): string {
  return CSI_LAYOUTS[id]?.name ?? 'unknown';
}
