import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { encodeNpy, encodeNpz, expectArray, parseNpy, readNpy, readNpz } from '../../src/io/npy.ts';

// Bytes numpy 1.24 writes for np.save(f, np.array([[1.5, -2], [3, 4]], dtype=np.float32)).
const NUMPY_F32 = Uint8Array.from([
  0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 0x01, 0x00, 0x76, 0x00,
  ...new TextEncoder().encode("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }".padEnd(117) + '\n'),
  ...new Uint8Array(Float32Array.from([1.5, -2, 3, 4]).buffer),
]);

describe('npy', () => {
  it('parses numpy-written bytes', () => {
    const a = parseNpy(NUMPY_F32, 'x.npy');
    expect(a.dtype).toBe('f4');
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data as Float32Array)).toEqual([1.5, -2, 3, 4]);
  });

  it('round-trips every dtype through encode/parse with an aligned 64-byte header', () => {
    const cases = [new Float32Array([1, 2]), new Int8Array([-8, 7]), new Uint8Array([0, 255]), new BigInt64Array([3n, -1n]), new Int16Array([-3, 3])];
    for (const data of cases) {
      const bytes = encodeNpy(data, [2]);
      const headerLen = bytes[8] | (bytes[9] << 8);
      expect((10 + headerLen) % 64).toBe(0);
      const back = parseNpy(bytes, 'mem');
      expect(back.shape).toEqual([2]);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(data as ArrayLike<number | bigint>));
    }
  });

  it('names the file on a bad magic, a truncated body, big-endian and Fortran order', () => {
    expect(() => parseNpy(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 'bad.npy')).toThrow('bad.npy: not a .npy file (bad magic)');
    expect(() => parseNpy(NUMPY_F32.subarray(0, NUMPY_F32.length - 3), 'cut.npy')).toThrow(/cut\.npy: truncated data: shape \[2,2\] of <f4 needs 16 bytes, file has 13/);
    const be = Buffer.from(Buffer.from(NUMPY_F32).toString('latin1').replace('<f4', '>f4'), 'latin1');
    expect(() => parseNpy(be, 'be.npy')).toThrow("be.npy: big-endian dtype '>f4' is not supported");
    const fo = Uint8Array.from(NUMPY_F32);
    fo.set(new TextEncoder().encode("'fortran_order': True, "), 10 + "{'descr': '<f4', ".length);
    expect(() => parseNpy(fo, 'f.npy')).toThrow(/f\.npy: (Fortran-order arrays are not supported|malformed)/);
  });

  it('reports a missing file and checks dtype and shape with expectArray', () => {
    expect(() => readNpy('/nonexistent/x.npy')).toThrow('/nonexistent/x.npy: no such file');
    const a = parseNpy(NUMPY_F32, 'x.npy');
    expect(() => expectArray(a, 'x.npy', 'f4', [null, 3])).toThrow('x.npy: expected shape [N,3], found [2,2]');
    expect(() => expectArray(a, 'x.npy', 'i1', [2, 2])).toThrow('x.npy: expected dtype i1, found f4');
    expect(() => expectArray(a, 'x.npy', 'f4', [null, 2])).not.toThrow();
  });
});

describe('npz', () => {
  it('reads members by name and names the member on a corrupt one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npz-'));
    const good = join(dir, 'w.npz');
    writeFileSync(good, encodeNpz({ 'proj.weight.int4': { data: new Uint8Array([0x21, 0xf8]), shape: [2] } }));
    const m = readNpz(good);
    expect(Array.from(m.get('proj.weight.int4')!.data as Uint8Array)).toEqual([0x21, 0xf8]);

    const bad = join(dir, 'bad.npz');
    writeFileSync(bad, zipSync({ 'a.npy': new Uint8Array([1, 2, 3]) }));
    expect(() => readNpz(bad)).toThrow(`${bad}[a]: not a .npy file (bad magic)`);

    const notZip = join(dir, 'notzip.npz');
    writeFileSync(notZip, new Uint8Array([1, 2, 3, 4]));
    expect(() => readNpz(notZip)).toThrow(`${notZip}: not a readable .npz (zip) file`);
  });
});
