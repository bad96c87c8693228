// The binary partition table is checked as ESP-IDF's gen_esp32part.py reads one: AA 50 entries, the optional MD5
// entry verified against the entries before it, and an end marker; anything else is refused, naming the entry.
import { describe, expect, it } from 'vitest';
import { parsePartitionTable } from '../../../src/host/flash/partition-table.ts';
import { buildPartitionTable } from './fixtures.ts';

describe('partition table validation', () => {
  it('reads the entries and where the layout ends, with and without the MD5 entry', () => {
    for (const md5 of [false, true]) {
      const t = parsePartitionTable(buildPartitionTable({ md5 }), 'pt.bin');
      expect(t.partitions.map((p) => [p.label, p.offset, p.size])).toEqual([
        ['nvs', 0x9000, 0x6000],
        ['phy_init', 0xf000, 0x1000],
        ['factory', 0x10000, 0x100000],
      ]);
      expect(t.md5Checked).toBe(md5);
      expect(t.layoutEnd).toBe(0x110000);
    }
  });

  it('refuses a first entry without the AA 50 magic', () => {
    const pt = buildPartitionTable();
    pt[1] = 0x51;
    expect(() => parsePartitionTable(pt, 'pt.bin')).toThrow('pt.bin: not an ESP-IDF partition table (first entry lacks the AA 50 magic)');
  });

  it('refuses an entry with a foreign magic, naming it', () => {
    const pt = buildPartitionTable();
    pt.set([0x12, 0x34], 64);
    expect(() => parsePartitionTable(pt, 'pt.bin')).toThrow(
      'pt.bin: partition table entry 2 has magic 12 34 (expected AA 50 for a partition, EB EB for the MD5 entry, or 32 bytes of FF to end the table)',
    );
  });

  it('refuses an MD5 entry that does not match the entries before it (an entry changed after the table was made)', () => {
    const pt = buildPartitionTable({ md5: true });
    pt[8] ^= 0x01; // nvs size
    expect(() => parsePartitionTable(pt, 'pt.bin')).toThrow(
      /^pt\.bin: partition table MD5 mismatch \(entry 3\): stored [0-9a-f]{32}, computed [0-9a-f]{32} over the 3 entries before it$/,
    );
  });

  it('refuses an MD5 entry whose filler is not FF, and a table without an end marker', () => {
    const pt = buildPartitionTable({ md5: true });
    pt[3 * 32 + 5] = 0;
    expect(() => parsePartitionTable(pt, 'pt.bin')).toThrow('pt.bin: partition table MD5 entry (entry 3) is malformed: bytes 2..15 must be FF');
    const noEnd = buildPartitionTable().subarray(0, 96);
    expect(() => parsePartitionTable(noEnd, 'pt.bin')).toThrow('pt.bin: partition table has no end marker (32 bytes of FF) within its 96 bytes');
  });
});
