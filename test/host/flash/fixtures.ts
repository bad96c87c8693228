// Builds real-looking ESP app images in the tests (valid header, extended header, segments, checksum and
// appended SHA-256), so validation and flashing are exercised on the real format, not on random bytes.
import { createHash } from 'node:crypto';

/** Deterministic xorshift generator, so a failing test can be reproduced byte for byte. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/**
 * Segment data that deflates roughly like firmware (to about 65% at zlib level 9; ESP-IDF apps land near 55-65%):
 * bytes from a small alphabet mixed with 1/16 random bytes, instead of all-random (incompressible) or all-zero
 * (trivially compressible) data.
 */
function firmwareLikeBytes(n: number, next: () => number): Uint8Array {
  const out = new Uint8Array(n);
  const alphabet = Array.from({ length: 16 }, () => next() & 0xff);
  for (let i = 0; i < n; i++) {
    const r = next();
    out[i] = (r & 15) === 0 ? (r >>> 8) & 0xff : alphabet[(r >>> 8) & 15];
  }
  return out;
}

export interface ImageSpec {
  /** Total file size wanted, in bytes (the result is within 16 bytes + the hash of it). */
  size: number;
  /** Image chip id in the extended header: ESP32-C3 is 5. */
  chipId?: number;
  seed?: number;
  hashAppended?: boolean;
  /** Flash size code in the header (2 = 4MB). */
  flashSizeCode?: number;
}

export function buildAppImage(spec: ImageSpec): Uint8Array {
  const next = prng(spec.seed ?? 1);
  const hash = spec.hashAppended ?? true;
  const segCount = 3;
  const overhead = 24 + segCount * 8 + 16 + (hash ? 32 : 0);
  const dataTotal = Math.max(segCount * 4, Math.floor((spec.size - overhead) / 4) * 4);
  const lens = [Math.floor(dataTotal / 2 / 4) * 4, Math.floor(dataTotal / 4 / 4) * 4];
  lens.push(dataTotal - lens[0] - lens[1]);
  const loads = [0x3c000020, 0x3fc8a000, 0x42000020];
  const parts: number[] = [];
  const header = new Uint8Array(24);
  header[0] = 0xe9;
  header[1] = segCount;
  header[2] = 2; // DIO
  header[3] = ((spec.flashSizeCode ?? 2) << 4) | 0x0f; // 80 MHz on C3
  new DataView(header.buffer).setUint32(4, 0x40380080, true);
  header[8] = 0xee; // WP pin disabled
  new DataView(header.buffer).setUint16(12, spec.chipId ?? 5, true);
  header[23] = hash ? 1 : 0;
  parts.push(...header);
  let checksum = 0xef;
  lens.forEach((len, i) => {
    const seg = new Uint8Array(8);
    new DataView(seg.buffer).setUint32(0, loads[i], true);
    new DataView(seg.buffer).setUint32(4, len, true);
    parts.push(...seg);
    const data = firmwareLikeBytes(len, next);
    for (const b of data) {
      checksum ^= b;
      parts.push(b);
    }
  });
  while (parts.length % 16 !== 15) parts.push(0);
  parts.push(checksum);
  const body = Uint8Array.from(parts);
  if (!hash) return body;
  const sha = createHash('sha256').update(body).digest();
  const out = new Uint8Array(body.length + 32);
  out.set(body);
  out.set(sha, body.length);
  return out;
}

export interface PartitionSpec {
  /** [type, subtype, offset, size, label]; default nvs, phy_init and a 1 MB factory app. */
  entries?: [number, number, number, number, string][];
  /** Append ESP-IDF's MD5 entry (EB EB, 14 x FF, MD5 of the entries before it), as idf.py does by default. */
  md5?: boolean;
}

/** An ESP-IDF binary partition table followed by 0xFF (the end marker and padding), 3 KB long. */
export function buildPartitionTable(spec: PartitionSpec = {}): Uint8Array {
  const out = new Uint8Array(0xc00).fill(0xff);
  const entries = spec.entries ?? [
    [1, 2, 0x9000, 0x6000, 'nvs'],
    [1, 1, 0xf000, 0x1000, 'phy_init'],
    [0, 0, 0x10000, 0x100000, 'factory'],
  ];
  entries.forEach(([type, sub, off, size, label], i) => {
    const e = new Uint8Array(32);
    const dv = new DataView(e.buffer);
    e[0] = 0xaa;
    e[1] = 0x50;
    e[2] = type;
    e[3] = sub;
    dv.setUint32(4, off, true);
    dv.setUint32(8, size, true);
    e.set(new TextEncoder().encode(label), 12);
    out.set(e, i * 32);
  });
  if (spec.md5) {
    const at = entries.length * 32;
    out.set([0xeb, 0xeb], at);
    out.set(createHash('md5').update(out.subarray(0, at)).digest(), at + 16);
  }
  return out;
}
