// The CSI recording file (docs/protocol.md, "CSI recording file"): the Wi-Fi driver's packets as captured,
// replayed by the virtual node through the live path (`pose-edge node --virtual --replay-csi FILE`).
// Layout: magic "PECSREC1", then per packet: u32 timestamp_us, u8 link, i8 rssi, u8 flags (bit 0 HT,
// bit 1 40 MHz, bit 2 first_word_invalid), u8 channel, u16 len, len x int8 (imaginary, real pairs).
// Validated on read with the same rules and messages as the C reader (firmware/linux/recording.c): every
// record complete, a length the ESP32 driver delivers, link 0..2, only defined flag bits, at least one
// record; each error names the file, the record index and its byte offset.
import { ProtocolError } from './errors.ts';
import { readFileChecked } from '../../io/fs-errors.ts';

export const CSI_RECORDING_MAGIC = 'PECSREC1';
export const CSI_MAX_BUF = 612;
export const CSI_RECORD_HEADER = 10;
/**
 * Buffer sizes of the ESP32 / S2 / S3 / C3 driver with LLTF + HT-LTF + STBC-HT-LTF enabled (the firmware's
 * configuration): non-HT 128, HT20 256, HT20 STBC 376 / 380 / 384, HT40 384, HT40 STBC 612.
 */
export const CSI_VALID_LENS: readonly number[] = [128, 256, 376, 380, 384, 612];
export const CSI_LINKS = 3;
/** bit 0 HT, bit 1 40 MHz, bit 2 first_word_invalid. */
export const CSI_FLAGS_DEFINED = 0x07;

const hex2 = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;

/** Why a record cannot be replayed, or null: the checks both readers apply to a record's header fields. */
export function csiRecordProblem(len: number, link: number, flags: number): string | null {
  if (!CSI_VALID_LENS.includes(len)) return `CSI length ${len} is not a buffer size the ESP32 driver delivers (128, 256, 376, 380, 384 or 612)`;
  if (!Number.isInteger(link) || link < 0 || link >= CSI_LINKS) return `link ${link} is outside 0..${CSI_LINKS - 1}`;
  if (flags & ~CSI_FLAGS_DEFINED & 0xff) return `flags ${hex2(flags)} set undefined bits (${hex2(flags & ~CSI_FLAGS_DEFINED & 0xff)}); defined: bit 0 HT, bit 1 40 MHz, bit 2 first_word_invalid`;
  return null;
}

export interface CsiRecord {
  timestampUs: number;
  link: number;
  rssi: number;
  ht: boolean;
  ht40: boolean;
  firstWordInvalid: boolean;
  channel: number;
  buf: Int8Array;
}

export function encodeCsiRecording(records: CsiRecord[]): Uint8Array {
  if (records.length === 0) throw new ProtocolError('encode', 'CSI recording: no records (a recording needs at least one packet)');
  const size = 8 + records.reduce((s, r) => s + CSI_RECORD_HEADER + r.buf.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set(Buffer.from(CSI_RECORDING_MAGIC, 'ascii'));
  let o = 8;
  records.forEach((r, i) => {
    if (r.buf.length > CSI_MAX_BUF) throw new ProtocolError('encode', `CSI record ${i}: buffer of ${r.buf.length} bytes exceeds ${CSI_MAX_BUF}`);
    const problem = csiRecordProblem(r.buf.length, r.link, 0);
    if (problem) throw new ProtocolError('encode', `CSI record ${i}: ${problem}`);
    dv.setUint32(o, r.timestampUs >>> 0, true);
    out[o + 4] = r.link;
    dv.setInt8(o + 5, r.rssi);
    out[o + 6] = (r.ht ? 1 : 0) | (r.ht40 ? 2 : 0) | (r.firstWordInvalid ? 4 : 0);
    out[o + 7] = r.channel;
    dv.setUint16(o + 8, r.buf.length, true);
    out.set(new Uint8Array(r.buf.buffer, r.buf.byteOffset, r.buf.length), o + CSI_RECORD_HEADER);
    o += CSI_RECORD_HEADER + r.buf.length;
  });
  return out;
}

/** Parses and validates a whole recording; the first bad record is an error naming its index and byte offset. */
export function decodeCsiRecording(bytes: Uint8Array, name = 'CSI recording'): CsiRecord[] {
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== CSI_RECORDING_MAGIC) {
    throw new ProtocolError('magic', `${name}: not a pose-edge CSI recording (magic ${CSI_RECORDING_MAGIC} expected)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: CsiRecord[] = [];
  for (let o = 8; o < bytes.length; ) {
    const at = `${name}: record ${out.length} at byte ${o}`;
    if (o + CSI_RECORD_HEADER > bytes.length) throw new ProtocolError('length', `${at}: truncated header (${bytes.length - o} of ${CSI_RECORD_HEADER} bytes)`);
    const len = dv.getUint16(o + 8, true);
    const link = bytes[o + 4];
    const flags = bytes[o + 6];
    const problem = csiRecordProblem(len, link, flags);
    if (problem) throw new ProtocolError('length', `${at}: ${problem}`);
    if (o + CSI_RECORD_HEADER + len > bytes.length) {
      throw new ProtocolError('length', `${at}: truncated CSI buffer (${bytes.length - o - CSI_RECORD_HEADER} of ${len} bytes)`);
    }
    out.push({
      timestampUs: dv.getUint32(o, true),
      link,
      rssi: dv.getInt8(o + 5),
      ht: (flags & 1) !== 0,
      ht40: (flags & 2) !== 0,
      firstWordInvalid: (flags & 4) !== 0,
      channel: bytes[o + 7],
      buf: new Int8Array(bytes.slice(o + CSI_RECORD_HEADER, o + CSI_RECORD_HEADER + len).buffer),
    });
    o += CSI_RECORD_HEADER + len;
  }
  if (out.length === 0) throw new ProtocolError('length', `${name}: no CSI records (the file holds only the 8-byte magic)`);
  return out;
}

/** Reads and validates a recording file (errors name the path; filesystem errors are one line too). */
export function readCsiRecording(path: string): CsiRecord[] {
  return decodeCsiRecording(readFileChecked(path, 'CSI recording'), path);
}
