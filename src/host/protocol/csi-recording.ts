// The CSI recording file (docs/protocol.md, "CSI recording file"): the Wi-Fi driver's packets as captured,
// replayed by the virtual node through the live path (`pose-edge node --virtual --replay-csi FILE`).
// Layout: magic "PECSREC1", then per packet: u32 timestamp_us, u8 link, i8 rssi, u8 flags (bit 0 HT,
// bit 1 40 MHz, bit 2 first_word_invalid), u8 channel, u16 len, len x int8 (imaginary, real pairs).
import { ProtocolError } from './errors.ts';

export const CSI_RECORDING_MAGIC = 'PECSREC1';
export const CSI_MAX_BUF = 612;

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
  const size = 8 + records.reduce((s, r) => s + 10 + r.buf.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  out.set(Buffer.from(CSI_RECORDING_MAGIC, 'ascii'));
  let o = 8;
  records.forEach((r, i) => {
    if (r.buf.length > CSI_MAX_BUF) throw new ProtocolError('encode', `CSI record ${i}: buffer of ${r.buf.length} bytes exceeds ${CSI_MAX_BUF}`);
    dv.setUint32(o, r.timestampUs >>> 0, true);
    out[o + 4] = r.link;
    dv.setInt8(o + 5, r.rssi);
    out[o + 6] = (r.ht ? 1 : 0) | (r.ht40 ? 2 : 0) | (r.firstWordInvalid ? 4 : 0);
    out[o + 7] = r.channel;
    dv.setUint16(o + 8, r.buf.length, true);
    out.set(new Uint8Array(r.buf.buffer, r.buf.byteOffset, r.buf.length), o + 10);
    o += 10 + r.buf.length;
  });
  return out;
}

export function decodeCsiRecording(bytes: Uint8Array, name = 'CSI recording'): CsiRecord[] {
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== CSI_RECORDING_MAGIC) {
    throw new ProtocolError('magic', `${name}: not a pose-edge CSI recording (magic ${CSI_RECORDING_MAGIC} expected)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: CsiRecord[] = [];
  for (let o = 8; o < bytes.length; ) {
    if (o + 10 > bytes.length) throw new ProtocolError('length', `${name}: record ${out.length}: truncated header`);
    const len = dv.getUint16(o + 8, true);
    if (len > CSI_MAX_BUF) throw new ProtocolError('length', `${name}: record ${out.length}: CSI length ${len} exceeds ${CSI_MAX_BUF}`);
    if (o + 10 + len > bytes.length) throw new ProtocolError('length', `${name}: record ${out.length}: truncated CSI buffer`);
    const flags = bytes[o + 6];
    out.push({
      timestampUs: dv.getUint32(o, true),
      link: bytes[o + 4],
      rssi: dv.getInt8(o + 5),
      ht: (flags & 1) !== 0,
      ht40: (flags & 2) !== 0,
      firstWordInvalid: (flags & 4) !== 0,
      channel: bytes[o + 7],
      buf: new Int8Array(bytes.slice(o + 10, o + 10 + len).buffer),
    });
    o += 10 + len;
  }
  return out;
}
