import { describe, expect, it } from 'vitest';
import { SlipDecoder, slipEncode } from '../../../src/host/flash/slip.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('SLIP codec', () => {
  it('escapes C0 and DB as the ROM loader expects (DB DC, DB DD) and wraps in C0', () => {
    expect(toHex(slipEncode(hex('01 c0 02 db 03')))).toBe('c001dbdc02dbdd03c0');
    expect(toHex(slipEncode(new Uint8Array(0)))).toBe('c0c0');
  });

  it('decodes a frame split across arbitrary chunk boundaries, including inside an escape', () => {
    const payload = hex('00 08 c0 db ff c0 db 00');
    const wire = slipEncode(payload);
    for (let cut = 1; cut < wire.length; cut++) {
      const d = new SlipDecoder();
      const got = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
      expect(got.map(toHex)).toEqual([toHex(payload)]);
    }
  });

  it('decodes byte by byte and several frames in one chunk', () => {
    const a = hex('01 02 c0');
    const b = hex('db db');
    const wire = Buffer.concat([slipEncode(a), slipEncode(b)]);
    const d = new SlipDecoder();
    const got: Uint8Array[] = [];
    for (const byte of wire) got.push(...d.push(Uint8Array.of(byte)));
    expect(got.map(toHex)).toEqual([toHex(a), toHex(b)]);
    expect(new SlipDecoder().push(wire).map(toHex)).toEqual([toHex(a), toHex(b)]);
  });

  it('skips empty frames and bytes outside frames (a boot log before the first frame)', () => {
    const noise = new TextEncoder().encode('ESP-ROM:esp32c3-api1-20210207\r\nwaiting for download\r\n');
    const d = new SlipDecoder();
    const got = d.push(Buffer.concat([noise, hex('c0 c0 c0'), slipEncode(hex('aa'))]));
    expect(got.map(toHex)).toEqual(['aa']);
  });

  it('drops a frame with an invalid escape, counts it, and resyncs on the next frame', () => {
    const d = new SlipDecoder();
    const got = d.push(Buffer.concat([hex('c0 01 db 99 02 c0'), slipEncode(hex('05 06'))]));
    expect(got.map(toHex)).toEqual(['0506']);
    expect(d.badFrames).toBe(1);
  });

  it('drops a frame that ends in the middle of an escape', () => {
    const d = new SlipDecoder();
    expect(d.push(hex('c0 01 db c0'))).toEqual([]);
    expect(d.badFrames).toBe(1);
  });

  it('a lost closing C0 merges two frames into one longer frame (caught later by the length field)', () => {
    const wire = Buffer.concat([slipEncode(hex('01 02')), slipEncode(hex('03'))]);
    const lost = Buffer.concat([wire.subarray(0, 3), wire.subarray(4)]); // drop the first frame's end
    const got = new SlipDecoder().push(lost);
    expect(got.map(toHex)).toEqual(['0102']);
  });
});
