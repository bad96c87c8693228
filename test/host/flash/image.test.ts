import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chipById } from '../../../src/host/flash/chips.ts';
import { checkImageChip, parseAppImage } from '../../../src/host/flash/image.ts';
import { buildAppImage, buildPartitionTable } from './fixtures.ts';

/** Re-seals an edited image: recomputes checksum and appended SHA-256 so only the intended field is wrong. */
function reseal(img: Uint8Array, hashLen = 32): Uint8Array {
  const out = Uint8Array.from(img);
  const end = out.length - hashLen;
  out.set(createHash('sha256').update(out.subarray(0, end)).digest(), end);
  return out;
}

describe('app image validation', () => {
  it('parses a C3 image: chip id, 3 segments, checksum and appended SHA-256 all valid', () => {
    const img = buildAppImage({ size: 64 * 1024 });
    const parsed = parseAppImage(img, 'app.bin');
    expect(parsed.chipId).toBe(5);
    expect(parsed.segments.map((s) => s.loadAddr)).toEqual([0x3c000020, 0x3fc8a000, 0x42000020]);
    expect(parsed.hashAppended).toBe(true);
    expect(parsed.length).toBe(img.length);
    expect(parsed.flashSizeBytes).toBe(4 * 1024 * 1024);
  });

  it('parses an image without an appended hash (the checksum is the last byte)', () => {
    const img = buildAppImage({ size: 4096, hashAppended: false });
    expect(parseAppImage(img, 'app.bin').length).toBe(img.length);
    expect(img.length % 16).toBe(0);
  });

  it('refuses a wrong magic byte, naming the file and the magic', () => {
    const img = buildAppImage({ size: 4096 });
    img[0] = 0x7f;
    expect(() => parseAppImage(img, 'fw.bin')).toThrow('fw.bin: not an ESP app image: magic 0x7f, expected 0xe9');
  });

  it('refuses a corrupted segment byte by checksum (hash re-sealed so the checksum is what catches it)', () => {
    const img = buildAppImage({ size: 4096, hashAppended: true });
    img[100] ^= 0x01;
    expect(() => parseAppImage(reseal(img), 'app.bin')).toThrow(/app\.bin: checksum mismatch: stored 0x[0-9a-f]{2}, computed 0x[0-9a-f]{2}/);
  });

  it('refuses a corrupted appended SHA-256', () => {
    const img = buildAppImage({ size: 4096 });
    img[img.length - 1] ^= 0xff;
    expect(() => parseAppImage(img, 'app.bin')).toThrow(/app\.bin: appended SHA-256 mismatch/);
  });

  it('refuses a truncated image and a segment running past the end', () => {
    const img = buildAppImage({ size: 4096 });
    expect(() => parseAppImage(img.subarray(0, img.length - 10), 'app.bin')).toThrow('app.bin: truncated: the appended SHA-256 is missing');
    expect(() => parseAppImage(img.subarray(0, 1000), 'app.bin')).toThrow(/app\.bin: segment 0 \(load 0x3c000020, \d+ bytes\) runs past the end of the file/);
  });

  it('refuses a segment count of 0 or above 16', () => {
    const img = buildAppImage({ size: 4096 });
    img[1] = 0;
    expect(() => parseAppImage(img, 'app.bin')).toThrow('app.bin: invalid segment count 0 (1..16)');
    img[1] = 17;
    expect(() => parseAppImage(img, 'app.bin')).toThrow('app.bin: invalid segment count 17 (1..16)');
  });

  it('the chip id in the extended header is checked against the detected chip', () => {
    const s3 = parseAppImage(buildAppImage({ size: 4096, chipId: 9 }), 'app.bin');
    expect(() => checkImageChip(s3, 'app.bin', chipById('esp32s3')!, '/dev/ttyUSB0')).not.toThrow();
    expect(() => checkImageChip(s3, 'app.bin', chipById('esp32c3')!, '/dev/ttyUSB0')).toThrow(
      'app.bin: image is for ESP32-S3 (chip id 9) but /dev/ttyUSB0 has an ESP32-C3 (chip id 5): refusing to flash',
    );
  });

  it('a partition table is not an app image', () => {
    expect(() => parseAppImage(buildPartitionTable(), 'partition-table.bin')).toThrow(/not an ESP app image: magic 0xaa/);
  });
});
