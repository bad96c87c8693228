// Parsing and validation of ESP app/bootloader images before anything touches a device.
// Layout (ESP-IDF firmware-image-format): 8-byte header (E9, segment count, flash mode, size<<4|freq, entry),
// 16-byte extended header (wp pin, drive strengths, chip id u16 at 12, revisions, hash_appended at 23),
// segments (u32 load address, u32 length, data), zero padding up to a 16-byte boundary minus one, the checksum
// byte (0xEF XOR all segment data), then a SHA-256 of everything before it when hash_appended is 1.
import { createHash } from 'node:crypto';
import { PoseEdgeError } from '../../errors.ts';
import { chipByImageId, type Chip } from './chips.ts';

export const IMAGE_MAGIC = 0xe9;
const HEADER_LEN = 24;
const MAX_SEGMENTS = 16;

export class ImageError extends PoseEdgeError {
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
  }
}

export interface ImageSegment {
  loadAddr: number;
  length: number;
  /** Offset of the segment data in the file. */
  dataOffset: number;
}

export interface AppImage {
  chipId: number;
  flashMode: number;
  /** Flash size declared in the header, in bytes. */
  flashSizeBytes: number;
  entry: number;
  segments: ImageSegment[];
  hashAppended: boolean;
  /** Bytes the image occupies (header to checksum, plus the hash if any); the file may carry padding after. */
  length: number;
}

const FLASH_SIZE_CODES = [1, 2, 4, 8, 16, 32, 64, 128];
const MB = 1024 * 1024;

export function parseAppImage(bytes: Uint8Array, file: string): AppImage {
  if (bytes.length < HEADER_LEN) throw new ImageError(file, `too short for an ESP image (${bytes.length} bytes)`);
  if (bytes[0] !== IMAGE_MAGIC) {
    throw new ImageError(file, `not an ESP app image: magic 0x${bytes[0].toString(16).padStart(2, '0')}, expected 0xe9`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segCount = bytes[1];
  if (segCount === 0 || segCount > MAX_SEGMENTS) {
    throw new ImageError(file, `invalid segment count ${segCount} (1..${MAX_SEGMENTS})`);
  }
  const sizeCode = bytes[3] >> 4;
  if (sizeCode >= FLASH_SIZE_CODES.length) throw new ImageError(file, `invalid flash size code ${sizeCode} in header`);
  const chipId = dv.getUint16(12, true);
  const hashByte = bytes[23];
  if (hashByte > 1) throw new ImageError(file, `invalid hash_appended byte ${hashByte} in extended header`);

  const segments: ImageSegment[] = [];
  let pos = HEADER_LEN;
  let checksum = 0xef;
  for (let i = 0; i < segCount; i++) {
    if (pos + 8 > bytes.length) throw new ImageError(file, `segment ${i} header at offset ${pos} runs past the end of the file`);
    const loadAddr = dv.getUint32(pos, true);
    const length = dv.getUint32(pos + 4, true);
    const dataOffset = pos + 8;
    if (dataOffset + length > bytes.length) {
      throw new ImageError(file, `segment ${i} (load 0x${loadAddr.toString(16)}, ${length} bytes) runs past the end of the file`);
    }
    if (length % 4 !== 0) throw new ImageError(file, `segment ${i} length ${length} is not a multiple of 4`);
    for (let k = dataOffset; k < dataOffset + length; k++) checksum ^= bytes[k];
    segments.push({ loadAddr, length, dataOffset });
    pos = dataOffset + length;
  }
  // Padding so that the checksum byte is the last byte of a 16-byte row.
  const checksumPos = pos + (15 - (pos % 16));
  if (checksumPos >= bytes.length) throw new ImageError(file, 'truncated: the checksum byte is missing');
  if (bytes[checksumPos] !== checksum) {
    throw new ImageError(
      file,
      `checksum mismatch: stored 0x${bytes[checksumPos].toString(16).padStart(2, '0')}, computed 0x${checksum.toString(16).padStart(2, '0')}`,
    );
  }
  let length = checksumPos + 1;
  if (hashByte === 1) {
    if (length + 32 > bytes.length) throw new ImageError(file, 'truncated: the appended SHA-256 is missing');
    const want = Buffer.from(bytes.subarray(length, length + 32)).toString('hex');
    const got = createHash('sha256').update(bytes.subarray(0, length)).digest('hex');
    if (want !== got) throw new ImageError(file, `appended SHA-256 mismatch: stored ${want}, computed ${got}`);
    length += 32;
  }
  return {
    chipId,
    flashMode: bytes[2],
    flashSizeBytes: FLASH_SIZE_CODES[sizeCode] * MB,
    entry: dv.getUint32(4, true),
    segments,
    hashAppended: hashByte === 1,
    length,
  };
}

/** Refuses an image built for another chip than the one detected on the port. */
export function checkImageChip(image: AppImage, file: string, chip: Chip, port: string): void {
  if (image.chipId === chip.imageChipId) return;
  const built = chipByImageId(image.chipId);
  const builtName = built ? built.name : `unknown chip id ${image.chipId}`;
  throw new ImageError(file, `image is for ${builtName} (chip id ${image.chipId}) but ${port} has an ${chip.name} (chip id ${chip.imageChipId}): refusing to flash`);
}

/** ESP-IDF's binary partition table: 32-byte entries starting with the magic bytes AA 50. */
export function looksLikePartitionTable(bytes: Uint8Array): boolean {
  return bytes.length >= 32 && bytes[0] === 0xaa && bytes[1] === 0x50;
}
