// The TypeScript codec against the golden vectors (shared with the C codec), zlib's CRC-32, and the
// message-level checks a user can reach (unknown type, wrong payload length, values that do not fit).
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  cobsDecode,
  cobsEncode,
  crc32,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  encodePayload,
  FrameDecoder,
  MAX_WIRE,
  ProtocolError,
  type DecodeEvent,
} from '../../src/host/protocol/index.ts';
import { readGolden } from './golden.ts';

const golden = readGolden();
const hex = (b: Uint8Array) => (b.length ? Buffer.from(b).toString('hex') : '-');

function render(e: DecodeEvent): string {
  if (e.kind === 'frame') return `expect frame type=${e.frame.type.toString(16).padStart(2, '0')} seq=${e.frame.seq} payload=${hex(e.frame.payload)}`;
  const h = e.header;
  return h ? `expect fault ${e.fault} type=${h.type.toString(16).padStart(2, '0')} seq=${h.seq} version=${h.version}` : `expect fault ${e.fault}`;
}

describe('COBS', () => {
  it.each(golden.cobs.map((c) => [c.name, c] as const))('%s encodes and decodes as the published example', (_n, c) => {
    expect(hex(cobsEncode(c.raw))).toBe(hex(c.enc));
    expect(hex(cobsDecode(c.enc)!)).toBe(hex(c.raw));
  });
  it('rejects a zero byte and a run past the end', () => {
    expect(cobsDecode(Uint8Array.from([0x02, 0x00]))).toBeNull();
    expect(cobsDecode(Uint8Array.from([0x05, 0x11]))).toBeNull();
  });
});

describe('CRC-32', () => {
  it('equals zlib on the golden frames and random data', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    for (const f of golden.frames) expect(crc32(f.payload)).toBe(zlibCrc32(f.payload));
  });
});

describe('frames', () => {
  it('golden file covers every message type', () => {
    expect(new Set(golden.frames.map((f) => f.type)).size).toBeGreaterThanOrEqual(12);
  });
  it.each(golden.frames.map((f) => [f.name, f] as const))('%s: encoder reproduces the wire bytes, decoder the message', (_n, f) => {
    expect(hex(encodeFrame(f.type, f.seq, f.payload))).toBe(hex(f.wire));
    const events = new FrameDecoder().push(f.wire);
    expect(events.map(render)).toEqual([`expect frame type=${f.type.toString(16).padStart(2, '0')} seq=${f.seq} payload=${hex(f.payload)}`]);
    if (f.type === 0x7e) return; // the long-run frame has no message type
    const ev = events[0];
    if (ev.kind !== 'frame') throw new Error('no frame');
    const m = decodeMessage(ev.frame);
    expect(hex(encodePayload(m))).toBe(hex(f.payload));
    expect(hex(encodeMessage(m, f.seq))).toBe(hex(f.wire));
  });
  it('no frame exceeds MAX_WIRE', () => {
    for (const f of golden.frames) expect(f.wire.length).toBeLessThanOrEqual(MAX_WIRE);
  });
});

describe('streaming decoder', () => {
  it.each(golden.streams.map((s) => [s.name, s] as const))('%s: events as listed, however the bytes are chunked', (_n, s) => {
    const asGiven = new FrameDecoder();
    expect(s.chunks.flatMap((c) => asGiven.push(c)).map(render)).toEqual(s.expects);
    const all = Buffer.concat(s.chunks);
    const bytewise = new FrameDecoder();
    const ev: DecodeEvent[] = [];
    for (const byte of all) ev.push(...bytewise.push(Uint8Array.of(byte)));
    expect(ev.map(render)).toEqual(s.expects);
  });
});

describe('message errors', () => {
  it('unknown type names the type and seq', () => {
    expect(() => decodeMessage({ version: 1, type: 0x7f, seq: 12, payload: new Uint8Array(0) })).toThrowError(
      new ProtocolError('unknown-type', 'unknown message type 0x7f (seq 12)'),
    );
  });
  it('wrong payload length names the message', () => {
    expect(() => decodeMessage({ version: 1, type: 0x82, seq: 3, payload: new Uint8Array(10) })).toThrow(
      'KEYPOINTS (seq 3): payload is 10 bytes, expected 76',
    );
    expect(() => decodeMessage({ version: 1, type: 0x86, seq: 4, payload: new Uint8Array(3) })).toThrow(
      'ERROR (seq 4): payload is 3 bytes, expected 6..206',
    );
  });
  it('refuses to encode what does not fit', () => {
    expect(() => encodeFrame(1, 0, new Uint8Array(7000))).toThrow('payload of 7000 bytes exceeds 6848');
    expect(() => encodeMessage({ type: 'CSI_WINDOW', windowSeq: 1, window: new Int16Array(10) }, 0)).toThrow(
      'CSI_WINDOW 1: expected 3420 int16 values, got 10',
    );
    expect(() => encodeMessage({ type: 'ERROR', code: 1, refType: 0, refSeq: 0, text: 'x'.repeat(201) }, 0)).toThrow('exceeds 200');
  });
});
