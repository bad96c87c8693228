// ESP-IDF's binary partition table, checked before it is flashed: 32-byte entries, each a partition (AA 50, type,
// subtype, u32 offset, u32 size, 16-byte label, u32 flags), optionally one MD5 entry (EB EB, 14 bytes of FF, then
// the MD5 of every entry before it; ESP-IDF writes it unless CONFIG_PARTITION_TABLE_MD5 is off), and an end marker
// of 32 bytes of FF. The same rules as ESP-IDF's gen_esp32part.py reading a binary table.
import { createHash } from 'node:crypto';
import { hexOffset } from './chips.ts';
import { ImageError } from './image.ts';

const ENTRY = 32;

export interface Partition {
  label: string;
  type: number;
  subtype: number;
  offset: number;
  size: number;
}

export interface PartitionTable {
  partitions: Partition[];
  /** True when the table carries an MD5 entry (and it matched). */
  md5Checked: boolean;
  /** Where the last partition ends: the flash the layout needs. */
  layoutEnd: number;
}

const isAll = (bytes: Uint8Array, value: number): boolean => bytes.every((b) => b === value);
const hex2 = (b: number): string => b.toString(16).padStart(2, '0');

export function parsePartitionTable(bytes: Uint8Array, file: string): PartitionTable {
  if (bytes.length < ENTRY || bytes[0] !== 0xaa || bytes[1] !== 0x50) {
    throw new ImageError(file, 'not an ESP-IDF partition table (first entry lacks the AA 50 magic)');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const partitions: Partition[] = [];
  let md5Checked = false;
  for (let at = 0; at + ENTRY <= bytes.length; at += ENTRY) {
    const e = bytes.subarray(at, at + ENTRY);
    const n = at / ENTRY;
    if (isAll(e, 0xff)) {
      const layoutEnd = partitions.reduce((end, p) => Math.max(end, p.offset + p.size), 0);
      return { partitions, md5Checked, layoutEnd };
    }
    if (e[0] === 0xeb && e[1] === 0xeb) {
      if (!isAll(e.subarray(2, 16), 0xff)) throw new ImageError(file, `partition table MD5 entry (entry ${n}) is malformed: bytes 2..15 must be FF`);
      const stored = Buffer.from(e.subarray(16)).toString('hex');
      const computed = createHash('md5').update(bytes.subarray(0, at)).digest('hex');
      if (stored !== computed) {
        throw new ImageError(file, `partition table MD5 mismatch (entry ${n}): stored ${stored}, computed ${computed} over the ${n} entries before it`);
      }
      md5Checked = true;
      continue;
    }
    if (e[0] !== 0xaa || e[1] !== 0x50) {
      throw new ImageError(
        file,
        `partition table entry ${n} has magic ${hex2(e[0])} ${hex2(e[1])} (expected AA 50 for a partition, EB EB for the MD5 entry, or 32 bytes of FF to end the table)`,
      );
    }
    const label = Buffer.from(e.subarray(12, 28)).toString('latin1').replace(/\0.*$/s, '');
    partitions.push({ label, type: e[2], subtype: e[3], offset: dv.getUint32(at + 4, true), size: dv.getUint32(at + 8, true) });
  }
  throw new ImageError(file, `partition table has no end marker (32 bytes of FF) within its ${bytes.length} bytes`);
}

/** `partition "factory" (0x10000..0x110000)`: the partition that reaches furthest, for messages. */
export function furthestPartition(table: PartitionTable): string {
  const p = table.partitions.reduce((a, b) => (b.offset + b.size > a.offset + a.size ? b : a));
  return `partition "${p.label}" (${hexOffset(p.offset)}..${hexOffset(p.offset + p.size)})`;
}
