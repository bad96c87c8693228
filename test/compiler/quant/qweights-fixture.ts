// Builds pose-edge-qweights npz files in a temp directory for the tests, so each test states exactly the
// members it writes. pack4 follows the contract (element 2i in the low nibble); the unpacker is checked
// separately against hand-packed bytes, so the two are not tested only against each other.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpz, type NpyData } from '../../../src/io/npy.ts';

export type Members = Record<string, { data: NpyData; shape: number[] }>;

export function metaBytes(meta: object): { data: Uint8Array; shape: number[] } {
  const data = new TextEncoder().encode(JSON.stringify(meta));
  return { data, shape: [data.length] };
}

export const META4 = { format: 'pose-edge-qweights', version: 1, bits: 4, scheme: 'symmetric', model: 'test' };
export const META8 = { ...META4, bits: 8 };

export function pack4(q: number[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(q.length / 2));
  q.forEach((v, i) => {
    out[i >> 1] |= (v & 0x0f) << (i % 2 === 0 ? 0 : 4);
  });
  return out;
}

/** Members of one int4 tensor: packed values, a per-tensor scale and the shape. */
export function int4Tensor(name: string, q: number[], shape: number[], scale: number): Members {
  return {
    [`${name}.int4`]: { data: pack4(q), shape: [Math.ceil(q.length / 2)] },
    [`${name}.scale`]: { data: Float32Array.of(scale), shape: [] },
    [`${name}.shape`]: { data: BigInt64Array.from(shape.map(BigInt)), shape: [shape.length] },
  };
}

export function floatTensor(name: string, values: number[], shape: number[]): Members {
  return { [name]: { data: Float32Array.from(values), shape } };
}

let dir: string | null = null;
let counter = 0;

/** Writes the members (plus __meta__ unless meta is null) to a fresh .npz and returns its path. */
export function writeQWeightsFile(members: Members, meta: object | null = META4, name = 'w.npz'): string {
  dir ??= mkdtempSync(join(tmpdir(), 'pose-edge-qw-'));
  const sub = join(dir, String(counter++));
  const all = meta === null ? members : { ...members, __meta__: metaBytes(meta) };
  const path = join(sub, name);
  mkdirSync(sub, { recursive: true });
  writeFileSync(path, encodeNpz(all));
  return path;
}
