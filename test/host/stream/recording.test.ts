// The stream recording format (src/host/stream/recording.ts): what was written reads back byte for byte; a
// file cut anywhere inside a record (a crash) reads back every complete record before the cut; damage with
// valid records after it is an error naming the record and offset (at the end it is a torn tail); an
// appending writer cuts a torn tail first and refuses, untouched, a file with other damage; bad headers
// are named errors.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from '../../../src/host/protocol/crc32.ts';
import { decodeRecording, encodeHeader, encodeRecord, readRecording, RecordingDamageError, RecordingWriter, RecordKind, HEADER_BYTES, type StreamRecord } from '../../../src/host/stream/recording.ts';

const dir = mkdtempSync(join(tmpdir(), 'pose-edge-rec-'));

function records(n: number): StreamRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    timeMs: 1_700_000_000_000 + i * 10.5,
    kind: i % 3 === 2 ? RecordKind.UDP_DATAGRAM : RecordKind.NODE_MESSAGE,
    type: i % 3 === 2 ? 0 : 0x83,
    payload: Uint8Array.from({ length: 7 + 13 * i }, (_, k) => (k * 31 + i) & 0xff),
  }));
}

describe('stream recording format', () => {
  it('header and record bytes are as documented (magic, version, CRCs, little-endian lengths)', () => {
    const h = encodeHeader();
    expect(Buffer.from(h.subarray(0, 8)).toString('latin1')).toBe('PESTRM01');
    expect(Array.from(h.subarray(8, 12))).toEqual([1, 0, 0, 0]);
    expect(Buffer.from(h).readUInt32LE(12)).toBe(crc32(h.subarray(0, 12)));
    const rec = encodeRecord({ timeMs: 1.5, kind: RecordKind.NODE_MESSAGE, type: 0x82, payload: Uint8Array.of(9, 8, 7) });
    const b = Buffer.from(rec);
    expect(b.readUInt32LE(0)).toBe(13); // f64 + kind + type + 3 payload bytes
    expect(b.readUInt32LE(4)).toBe(crc32(rec.subarray(8)));
    expect(b.readDoubleLE(8)).toBe(1.5);
    expect([b[16], b[17], ...b.subarray(18)]).toEqual([1, 0x82, 9, 8, 7]);
  });

  it('writes and reads back every record', () => {
    const path = join(dir, 'full.pestrm');
    const w = new RecordingWriter(path);
    const rs = records(20);
    rs.forEach((r) => w.append(r));
    w.close();
    const got = readRecording(path);
    expect(got.stop).toBeNull();
    expect(got.records).toEqual(rs);
  });

  it('a file cut inside any record reads back exactly the records before it (torn tail)', () => {
    const rs = records(6);
    const bytes = Buffer.concat([encodeHeader(), ...rs.map(encodeRecord)]);
    const ends = [HEADER_BYTES];
    rs.forEach((r) => ends.push(ends[ends.length - 1] + encodeRecord(r).length));
    for (let cut = HEADER_BYTES; cut < bytes.length; cut++) {
      const complete = ends.filter((e) => e <= cut).length - 1;
      const got = decodeRecording(bytes.subarray(0, cut), 'cut');
      expect(got.records.length, `cut at ${cut}`).toBe(complete);
      expect(got.validBytes).toBe(ends[complete]);
      expect(got.stop).toEqual(cut === ends[complete] ? null : { offset: ends[complete], reason: 'torn' });
    }
  });

  it('a damaged record with valid records after it is an error naming its index and offset; at the end it is a torn tail', () => {
    const rs = records(5);
    const bytes = Buffer.concat([encodeHeader(), ...rs.map(encodeRecord)]);
    const third = HEADER_BYTES + encodeRecord(rs[0]).length + encodeRecord(rs[1]).length;
    const fourth = third + encodeRecord(rs[2]).length;
    const last = bytes.length - encodeRecord(rs[4]).length;
    const bad = Buffer.from(bytes);
    bad[third + 20] ^= 0x40;
    expect(() => decodeRecording(bad, 'x')).toThrow(
      new RecordingDamageError('x', 2, third, 'crc', 'CRC mismatch', fourth),
    );
    expect(() => decodeRecording(bad, 'x')).toThrow(`x: record 2 at byte ${third} is damaged (CRC mismatch), and valid records follow from byte ${fourth}: not a torn tail from a crash, the recording itself is damaged`);
    const huge = Buffer.from(bytes);
    huge.writeUInt32LE(0x7fffffff, third);
    expect(() => decodeRecording(huge, 'x')).toThrow(`x: record 2 at byte ${third} is damaged (length 2147483647 outside 10..65546), and valid records follow from byte ${fourth}`);
    // A length that still fits the limit but runs past the end looks torn; the records after it show it is not.
    const long = Buffer.from(bytes);
    long.writeUInt32LE(60_000, third);
    expect(() => decodeRecording(long, 'x')).toThrow(`x: record 2 at byte ${third} is damaged (length 60000 runs past the end of the file), and valid records follow from byte ${fourth}`);
    // The same damage in the last record (a power loss while it was being written) is a torn tail.
    const tailCrc = Buffer.from(bytes);
    tailCrc[last + 20] ^= 0x40;
    expect(decodeRecording(tailCrc, 'x')).toMatchObject({ records: rs.slice(0, 4), validBytes: last, stop: { offset: last, reason: 'crc' } });
    const zeros = Buffer.concat([bytes, Buffer.alloc(4096)]); // a zero-filled block after the last record
    expect(decodeRecording(zeros, 'x')).toMatchObject({ records: rs, validBytes: bytes.length, stop: { offset: bytes.length, reason: 'length' } });
  });

  it('an appending writer continues after the last complete record of a crashed recording', () => {
    const path = join(dir, 'crash.pestrm');
    const rs = records(4);
    const w = new RecordingWriter(path);
    rs.forEach((r) => w.append(r));
    w.close();
    truncateSync(path, readFileSync(path).length - 5); // the 4th record is torn
    const more = records(7).slice(4);
    const w2 = new RecordingWriter(path);
    more.forEach((r) => w2.append(r));
    w2.close();
    const got = readRecording(path);
    expect(got.stop).toBeNull();
    expect(got.records).toEqual([...rs.slice(0, 3), ...more]);
  });

  it('an appending writer cuts a tail that a power loss left damaged (bad CRC, zero-filled block)', () => {
    const rs = records(3);
    const more = records(5).slice(3);
    const good = Buffer.concat([encodeHeader(), ...rs.map(encodeRecord)]);
    const lastAt = good.length - encodeRecord(rs[2]).length;
    const crcTail = Buffer.from(good);
    crcTail[lastAt + 18] ^= 0x01;
    for (const [name, bytes, kept] of [['crc-tail', crcTail, rs.slice(0, 2)], ['zero-tail', Buffer.concat([good, Buffer.alloc(512)]), rs]] as const) {
      const path = join(dir, `${name}.pestrm`);
      writeFileSync(path, bytes);
      const w = new RecordingWriter(path);
      more.forEach((r) => w.append(r));
      w.close();
      expect(readRecording(path), name).toMatchObject({ records: [...kept, ...more], stop: null });
    }
  });

  it('refuses to append to a recording damaged before its end and leaves it byte for byte as it was', () => {
    const rs = records(6);
    const bytes = Buffer.concat([encodeHeader(), ...rs.map(encodeRecord)]);
    const second = HEADER_BYTES + encodeRecord(rs[0]).length;
    const third = second + encodeRecord(rs[1]).length;
    bytes[second + 19] ^= 0x10;
    const path = join(dir, 'damaged.pestrm');
    writeFileSync(path, bytes);
    expect(() => new RecordingWriter(path)).toThrow(
      `${path}: refusing to append: record 1 at byte ${second} is damaged (CRC mismatch) and valid records follow from byte ${third}; appending would cut them off. Record to a new file (the damaged one is left as it is)`,
    );
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('names the file for a missing file, a foreign file and a damaged header', () => {
    expect(() => readRecording(join(dir, 'none'))).toThrow(`${join(dir, 'none')}: no such file or directory (stream recording)`);
    const foreign = join(dir, 'foreign');
    writeFileSync(foreign, 'PECSREC1 not a stream recording');
    expect(() => readRecording(foreign)).toThrow(`${foreign}: not a pose-edge stream recording (magic PESTRM01 expected)`);
    expect(() => new RecordingWriter(foreign)).toThrow(`${foreign}: not a pose-edge stream recording`);
    const hdr = Buffer.from(encodeHeader());
    hdr[9] = 1;
    expect(() => decodeRecording(hdr, 'h.pestrm')).toThrow('h.pestrm: damaged header (CRC mismatch)');
  });
});
