// The CSI recording format (docs/protocol.md): round trip and the errors naming the record at fault.
import { describe, expect, it } from 'vitest';
import { decodeCsiRecording, encodeCsiRecording, type CsiRecord } from '../../src/host/protocol/index.ts';

const LAYOUT_OF: Record<number, number> = { 256: 2, 384: 8, 612: 10, 128: 1, 300: 2, 613: 10 };
const rec = (link: number, len: number): CsiRecord => ({
  timestampUs: 0xfffffff0 + link,
  link,
  rssi: -70,
  layout: LAYOUT_OF[len],
  firstWordInvalid: link === 2,
  channel: 11,
  buf: Int8Array.from({ length: len }, (_, i) => ((i * 37) % 256) - 128),
});

describe('CSI recording', () => {
  it('round-trips and lays out the header as documented', () => {
    const records = [rec(0, 256), rec(1, 384), rec(2, 612)];
    const bytes = encodeCsiRecording(records);
    expect(Buffer.from(bytes.subarray(0, 8)).toString('latin1')).toBe('PECSREC2');
    // u32 timestamp, link 0, rssi -70, layout 2 (ht20), flags 0, channel 11, reserved 0, u16 len 256
    expect(Array.from(bytes.subarray(8, 20))).toEqual([0xf0, 0xff, 0xff, 0xff, 0, 0xba, 2, 0, 11, 0, 0x00, 0x01]);
    expect(bytes[8 + 12 + 256 + 7]).toBe(0); // record 1: first_word_invalid false
    expect(bytes[8 + 12 + 256 + 12 + 384 + 7]).toBe(1); // record 2: first_word_invalid
    expect(decodeCsiRecording(bytes)).toEqual(records);
  });
  it('names the record that is broken, with its byte offset', () => {
    // Every validation rule, in TS and in the C reader: test/firmware/csi-recording-validation.test.ts.
    const bytes = encodeCsiRecording([rec(0, 256), rec(1, 384)]);
    expect(() => decodeCsiRecording(bytes.subarray(0, bytes.length - 5), 'r.rec')).toThrow('r.rec: record 1 at byte 276: truncated CSI buffer (379 of 384 bytes)');
    expect(() => decodeCsiRecording(bytes.subarray(0, 8 + 268 + 4), 'r.rec')).toThrow('r.rec: record 1 at byte 276: truncated header (4 of 12 bytes)');
    expect(() => decodeCsiRecording(new Uint8Array(4), 'r.rec')).toThrow('r.rec: not a pose-edge CSI recording (magic PECSREC2 or PECSREC1 expected)');
    const big = bytes.slice();
    new DataView(big.buffer).setUint16(8 + 10, 700, true);
    expect(() => decodeCsiRecording(big, 'r.rec')).toThrow('r.rec: record 0 at byte 8: CSI length 700 is not the length of layout ht20 (256 bytes)');
    expect(() => encodeCsiRecording([rec(0, 613)])).toThrow('CSI record 0: buffer of 613 bytes exceeds 612');
    expect(() => encodeCsiRecording([rec(0, 300)])).toThrow('CSI record 0: CSI length 300 is not the length of layout ht20 (256 bytes)');
    expect(() => encodeCsiRecording([{ ...rec(0, 256), layout: 0 }])).toThrow('CSI record 0: CSI layout 0 is not a known layout (1..21, docs/protocol.md)');
    expect(() => encodeCsiRecording([rec(3, 384)])).toThrow('CSI record 0: link 3 is outside 0..2');
    expect(() => encodeCsiRecording([])).toThrow('CSI recording: no records');
  });
});
