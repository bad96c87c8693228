// Frames of docs/protocol.md: 0x00, COBS(header | payload | CRC-32), 0x00. The header is magic 'PE',
// version, type, u16 sequence number and u16 payload length, little-endian. FrameDecoder mirrors the C
// decoder in firmware/core/proto.c event for event (the golden vectors check both).
import { cobsDecode, cobsEncode } from './cobs.ts';
import { crc32 } from './crc32.ts';
import { ProtocolError } from './errors.ts';

export const MAGIC = [0x50, 0x45] as const;
export const PROTOCOL_VERSION = 1;
export const HEADER_LEN = 8;
export const CRC_LEN = 4;
export const MAX_PAYLOAD = 6848;
export const MAX_BODY = HEADER_LEN + MAX_PAYLOAD + CRC_LEN;
export const MAX_ENCODED = MAX_BODY + Math.floor(MAX_BODY / 254) + 1;
/** The longest frame on the wire, delimiters included. */
export const MAX_WIRE = MAX_ENCODED + 2;

export interface Frame {
  version: number;
  type: number;
  seq: number;
  payload: Uint8Array;
}

/** Bytes on the wire for one frame. `version` is only for tests that need a frame of another version. */
export function encodeFrame(type: number, seq: number, payload: Uint8Array, version = PROTOCOL_VERSION): Uint8Array {
  if (payload.length > MAX_PAYLOAD) {
    throw new ProtocolError('encode', `frame of type 0x${hex2(type)} (seq ${seq}): payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  }
  if (!Number.isInteger(type) || type < 0 || type > 0xff || !Number.isInteger(seq) || seq < 0 || seq > 0xffff) {
    throw new ProtocolError('encode', `frame header out of range: type ${type}, seq ${seq}`);
  }
  const body = new Uint8Array(HEADER_LEN + payload.length + CRC_LEN);
  const dv = new DataView(body.buffer);
  body[0] = MAGIC[0];
  body[1] = MAGIC[1];
  body[2] = version;
  body[3] = type;
  dv.setUint16(4, seq, true);
  dv.setUint16(6, payload.length, true);
  body.set(payload, HEADER_LEN);
  dv.setUint32(HEADER_LEN + payload.length, crc32(body.subarray(0, HEADER_LEN + payload.length)), true);
  const enc = cobsEncode(body);
  const wire = new Uint8Array(enc.length + 2);
  wire.set(enc, 1);
  return wire;
}

export type FrameFault = 'framing' | 'oversize' | 'crc' | 'magic' | 'version' | 'length';

/** A decoded frame, or a fault. Faults found after the CRC check carry the header that was read. */
export type DecodeEvent =
  | { kind: 'frame'; frame: Frame }
  | { kind: 'fault'; fault: FrameFault; header?: { version: number; type: number; seq: number; len: number } };

/** Streaming decoder: feed any chunking of the byte stream; resynchronises at every 0x00. */
export class FrameDecoder {
  private buf = new Uint8Array(MAX_ENCODED);
  private n = 0;
  private overflow = false;

  push(chunk: Uint8Array): DecodeEvent[] {
    const events: DecodeEvent[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === 0) {
        if (this.overflow) {
          this.overflow = false;
          this.n = 0;
          events.push({ kind: 'fault', fault: 'oversize' });
        } else if (this.n > 0) {
          events.push(this.finish());
        }
        continue;
      }
      if (this.overflow) continue;
      if (this.n >= this.buf.length) {
        this.overflow = true;
        this.n = 0;
        continue;
      }
      this.buf[this.n++] = b;
    }
    return events;
  }

  private finish(): DecodeEvent {
    const raw = this.buf.subarray(0, this.n);
    this.n = 0;
    const body = cobsDecode(raw);
    if (!body || body.length < HEADER_LEN + CRC_LEN) return { kind: 'fault', fault: 'framing' };
    const dv = new DataView(body.buffer, body.byteOffset, body.length);
    const end = body.length - CRC_LEN;
    if (crc32(body.subarray(0, end)) !== dv.getUint32(end, true)) return { kind: 'fault', fault: 'crc' };
    const header = { version: body[2], type: body[3], seq: dv.getUint16(4, true), len: dv.getUint16(6, true) };
    if (body[0] !== MAGIC[0] || body[1] !== MAGIC[1]) return { kind: 'fault', fault: 'magic', header };
    if (header.version !== PROTOCOL_VERSION) return { kind: 'fault', fault: 'version', header };
    if (header.len !== end - HEADER_LEN) return { kind: 'fault', fault: 'length', header };
    return {
      kind: 'frame',
      frame: { version: header.version, type: header.type, seq: header.seq, payload: body.slice(HEADER_LEN, end) },
    };
  }
}

export function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}
