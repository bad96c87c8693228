import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readQWeights, type QuantizedTensor } from '../../../src/compiler/quant/qweights.ts';
import { unpackInt4 } from '../../../src/compiler/quant/fixed-point.ts';
import { MODELS_DIR } from '../../../src/paths.ts';
import { META4, META8, floatTensor, int4Tensor, writeQWeightsFile, type Members } from './qweights-fixture.ts';

describe('int4 unpacking', () => {
  it('reads element 2i from the low nibble and 2i+1 from the high nibble, two\'s complement', () => {
    // 0x21 -> 1, 2; 0xF8 -> -8, -1; 0x07 -> 7 (and a zero high nibble after the odd last element).
    expect(Array.from(unpackInt4(Uint8Array.of(0x21, 0xf8, 0x07), 5))).toEqual([1, 2, -8, -1, 7]);
    expect(Array.from(unpackInt4(Uint8Array.of(0x7f, 0x80), 4))).toEqual([-1, 7, 0, -8]);
  });
});

describe('readQWeights', () => {
  it('decodes int4 tensors with a per-tensor scale and keeps float tensors', () => {
    const path = writeQWeightsFile({
      ...int4Tensor('fc.weight', [1, 2, -8, -1, 7, 0], [2, 3], 0.5),
      ...floatTensor('fc.bias', [0.25, -1], [2]),
    });
    const w = readQWeights(path);
    expect(w.meta).toEqual(META4);
    const fc = w.tensors.get('fc.weight') as QuantizedTensor;
    expect(fc.kind).toBe('quantized');
    expect(fc.shape).toEqual([2, 3]);
    expect(Array.from(fc.q)).toEqual([1, 2, -8, -1, 7, 0]);
    expect(fc.scaleAxis).toBe('tensor');
    expect(Array.from(fc.dequantized)).toEqual([0.5, 1, -4, -0.5, 3.5, 0]);
    expect(Array.from(fc.packed!)).toEqual([0x21, 0xf8, 0x07]);
    const bias = w.tensors.get('fc.bias')!;
    expect(bias).toMatchObject({ kind: 'float', bits: 32, shape: [2] });
    expect(Array.from(bias.dequantized)).toEqual([0.25, -1]);
  });

  it('applies a per-row scale to dim 0', () => {
    const m = int4Tensor('w', [1, -1, 2, -2], [2, 2], 1);
    m['w.scale'] = { data: Float32Array.of(0.5, 4), shape: [2] };
    const t = readQWeights(writeQWeightsFile(m)).tensors.get('w') as QuantizedTensor;
    expect(t.scaleAxis).toBe('row');
    expect(Array.from(t.dequantized)).toEqual([0.5, -0.5, 8, -8]);
  });

  it('reads int8 tensors stored with their shape', () => {
    const m: Members = {
      'w.int8': { data: Int8Array.of(-127, 0, 5, 127), shape: [2, 2] },
      'w.scale': { data: Float32Array.of(0.25), shape: [] },
      'w.shape': { data: BigInt64Array.of(2n, 2n), shape: [2] },
    };
    const t = readQWeights(writeQWeightsFile(m, META8)).tensors.get('w') as QuantizedTensor;
    expect(t.bits).toBe(8);
    expect(t.packed).toBeNull();
    expect(Array.from(t.dequantized)).toEqual([-31.75, 0, 1.25, 31.75]);
  });

  it('reads every bundled npz; scales are max|W|/7 (int4) or max|W|/127 (int8), so the largest |q| is exactly 7 or 127', () => {
    for (const f of ['micro/pose_micro_int4.npz', 'micro/pose_micro_int8.npz', 'micro/pose_micro_int4_ptq.npz', 'nano/pose_nano_int4.npz']) {
      const w = readQWeights(join(MODELS_DIR, f));
      expect(w.meta.bits).toBe(f.includes('int8') ? 8 : 4);
      const quantized = [...w.tensors.values()].filter((t) => t.kind === 'quantized');
      expect(quantized.length).toBeGreaterThan(3);
      for (const t of quantized) {
        expect(t.bits).toBe(w.meta.bits);
        expect(Math.max(...Array.from(t.q, Math.abs)), `${f} ${t.name}`).toBe(t.bits === 4 ? 7 : 127);
      }
    }
  });
});

describe('readQWeights errors name the file and the key', () => {
  const good = (): Members => int4Tensor('proj.weight', new Array(64 * 342).fill(1), [64, 342], 0.1);

  it('a packed length that does not fit the shape', () => {
    const m = good();
    m['proj.weight.int4'] = { data: new Uint8Array(10943), shape: [10943] };
    const path = writeQWeightsFile(m);
    expect(() => readQWeights(path)).toThrow(`${path}: proj.weight.int4 has 10943 bytes, shape [64,342] needs 10944`);
  });

  it('a missing .scale or .shape, and an orphan .scale', () => {
    const noScale = good();
    delete noScale['proj.weight.scale'];
    let path = writeQWeightsFile(noScale);
    expect(() => readQWeights(path)).toThrow(`${path}: proj.weight.int4 has no proj.weight.scale`);
    const noShape = good();
    delete noShape['proj.weight.shape'];
    path = writeQWeightsFile(noShape);
    expect(() => readQWeights(path)).toThrow(`${path}: proj.weight.int4 has no proj.weight.shape`);
    path = writeQWeightsFile({ ...good(), 'x.scale': { data: Float32Array.of(1), shape: [] } });
    expect(() => readQWeights(path)).toThrow(`${path}: x.scale has no matching x.int4`);
  });

  it('wrong dtypes', () => {
    const m = good();
    m['proj.weight.int4'] = { data: new Int8Array(10944), shape: [10944] };
    let path = writeQWeightsFile(m);
    expect(() => readQWeights(path)).toThrow(`${path}: proj.weight.int4 must be 1-D uint8, found i1 [10944]`);
    path = writeQWeightsFile({ ...good(), 'proj.bias': { data: new Float64Array(64), shape: [64] } });
    expect(() => readQWeights(path)).toThrow(`${path}: proj.bias is a float tensor and must be float32, found dtype f8`);
    const s = good();
    s['proj.weight.scale'] = { data: Float64Array.of(0.1), shape: [] };
    path = writeQWeightsFile(s);
    expect(() => readQWeights(path)).toThrow(`${path}: proj.weight.scale must be float32, found dtype f8`);
    const sh = good();
    sh['proj.weight.shape'] = { data: Int32Array.of(64, 342), shape: [2] };
    path = writeQWeightsFile(sh);
    expect(() => readQWeights(path)).toThrow(`${path}: proj.weight.shape must be a 1-D int64 array, found i4 [2]`);
  });

  it('bad or missing __meta__', () => {
    let path = writeQWeightsFile(good(), null);
    expect(() => readQWeights(path)).toThrow(`${path}: __meta__ is missing (not a pose-edge-qweights file?)`);
    path = writeQWeightsFile(good(), { ...META4, format: 'other' });
    expect(() => readQWeights(path)).toThrow(`${path}: __meta__.format is "other", expected "pose-edge-qweights"`);
    path = writeQWeightsFile(good(), { ...META4, version: 2 });
    expect(() => readQWeights(path)).toThrow(`${path}: __meta__.version 2 is not supported (this tool reads version 1)`);
    path = writeQWeightsFile(good(), { ...META4, bits: 3 });
    expect(() => readQWeights(path)).toThrow(`${path}: __meta__.bits 3 is not supported (4 or 8)`);
    path = writeQWeightsFile(good(), { ...META4, scheme: 'asymmetric' });
    expect(() => readQWeights(path)).toThrow(`${path}: __meta__.scheme "asymmetric" is not supported (only "symmetric")`);
    path = writeQWeightsFile({ ...good(), __meta__: { data: new TextEncoder().encode('{"format":'), shape: [10] } }, null);
    expect(() => readQWeights(path)).toThrow(new RegExp(`^${path.replace(/[.]/g, '\\.')}: __meta__ is not valid JSON`));
    path = writeQWeightsFile(good(), META8);
    expect(() => readQWeights(path)).toThrow(`${path}: proj.weight.int4 found, but __meta__ says bits 8`);
  });

  it('bad scales', () => {
    for (const [value, shown] of [[0, '0'], [-1, '-1'], [NaN, 'NaN'], [Infinity, 'Infinity']] as const) {
      const m = good();
      m['proj.weight.scale'] = { data: Float32Array.of(value), shape: [] };
      const path = writeQWeightsFile(m);
      expect(() => readQWeights(path)).toThrow(`${path}: proj.weight.scale is ${shown}, must be finite and > 0`);
    }
    const rows = good();
    rows['proj.weight.scale'] = { data: new Float32Array(342).fill(1), shape: [342] };
    const path = writeQWeightsFile(rows);
    expect(() => readQWeights(path)).toThrow(`${path}: proj.weight.scale has shape [342], expected [] or [64] (one per row of [64,342])`);
    const oneBad = int4Tensor('w', [1, 1, 1, 1], [2, 2], 1);
    oneBad['w.scale'] = { data: Float32Array.of(1, 0), shape: [2] };
    const p2 = writeQWeightsFile(oneBad);
    expect(() => readQWeights(p2)).toThrow(`${p2}: w.scale[1] is 0, must be finite and > 0`);
  });

  it('a non-zero high nibble after an odd last element, an int8 shape mismatch, a name stored twice', () => {
    const odd = int4Tensor('w', [1, 2, 3], [3], 1);
    odd['w.int4'] = { data: Uint8Array.of(0x21, 0x53), shape: [2] };
    let path = writeQWeightsFile(odd);
    expect(() => readQWeights(path)).toThrow(`${path}: w.int4: the high nibble after the last (odd) element must be 0`);
    path = writeQWeightsFile(
      {
        'w.int8': { data: new Int8Array(6), shape: [3, 2] },
        'w.scale': { data: Float32Array.of(1), shape: [] },
        'w.shape': { data: BigInt64Array.of(2n, 3n), shape: [2] },
      },
      META8,
    );
    expect(() => readQWeights(path)).toThrow(`${path}: w.int8 has shape [3,2], w.shape says [2,3]`);
    path = writeQWeightsFile({ ...int4Tensor('w', [1, 2], [2], 1), ...floatTensor('w', [1, 2], [2]) });
    expect(() => readQWeights(path)).toThrow(`${path}: w is stored twice (as a float tensor and as w.int4)`);
  });

  it('a truncated npz and a missing file', () => {
    const path = writeQWeightsFile(good());
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 40));
    expect(() => readQWeights(path)).toThrow(`${path}: not a readable .npz (zip) file`);
    expect(() => readQWeights('/nonexistent/w.npz')).toThrow('/nonexistent/w.npz: no such file');
  });
});
