// Checks the committed reference models and weights (produced by reference/make_models.sh) against the
// contracts, with onnxruntime-node and the raw ONNX initializers as the independent oracles:
// - every model runs on onnxruntime-node: [N,3,114,10] -> [N,17,2], finite;
// - every .npz follows pose-edge-qweights v1 (meta, key triplets, dtypes, nibble count, scale shape);
// - a QAT .npz holds exactly the int4 quantization of the latent float weights in the ONNX file it ships
//   with (scale = max|W|/7 in float32, q = round-half-even(W/scale)), matched through the transposed
//   MatMul/Gemm initializers; the float tensors equal the ONNX initializers of the same name;
// - parameter counts: micro within 5% of the published 75,237;
// - cnn and gru (per-output-channel scales): they run, and each npz row quantizes its ONNX weights.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readNpy, readNpz, type NpyArray } from '../../src/io/npy.ts';
import { loadOnnx } from '../../src/compiler/onnx/load.ts';
import { DATA_DIR, MODELS_DIR, REPO_ROOT } from '../../src/paths.ts';

const VARIANTS_DIR = join(REPO_ROOT, 'test', 'fixtures', 'variants');

interface Pair { onnx: string; npz: string; bits: 4 | 8; model: string; qat: boolean }

const PAIRS: Pair[] = [
  ...(['micro', 'nano'] as const).flatMap((m): Pair[] => [
    { onnx: `${m}/${m}.onnx`, npz: `${m}/pose_${m}_int4.npz`, bits: 4, model: m, qat: true },
    { onnx: `${m}/${m}_fp32.onnx`, npz: `${m}/pose_${m}_int4_ptq.npz`, bits: 4, model: m, qat: true },
    { onnx: `${m}/${m}_fp32.onnx`, npz: `${m}/pose_${m}_int8.npz`, bits: 8, model: m, qat: true },
  ]).map((p) => ({ ...p, onnx: join(MODELS_DIR, p.onnx), npz: join(MODELS_DIR, p.npz) })),
  ...readdirSync(VARIANTS_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d): Pair => ({
      onnx: join(VARIANTS_DIR, d.name, 'model.onnx'),
      npz: join(VARIANTS_DIR, d.name, 'weights_int4.npz'),
      bits: 4,
      model: d.name,
      qat: true,
    })),
];

/** Unpacks two's-complement nibbles, element 2i in the low nibble of byte i. */
function unpackInt4(bytes: Uint8Array, count: number): Int8Array {
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const nib = (bytes[i >> 1]! >> ((i & 1) * 4)) & 0xf;
    out[i] = nib >= 8 ? nib - 16 : nib;
  }
  return out;
}

/** round half to even, as torch.round / numpy.round do */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function initializers(path: string): Map<string, { dims: number[]; data: Float32Array }> {
  const { model } = loadOnnx(path);
  const out = new Map<string, { dims: number[]; data: Float32Array }>();
  for (const t of model.graph!.initializer ?? []) {
    if (t.dataType !== 1) continue;
    const dims = (t.dims ?? []).map(Number);
    const count = dims.reduce((a, b) => a * b, 1);
    let data: Float32Array;
    if (t.rawData && t.rawData.length > 0) {
      const copy = new Uint8Array(t.rawData); // aligned copy
      data = new Float32Array(copy.buffer, 0, count);
    } else {
      data = Float32Array.from(t.floatData ?? []);
    }
    out.set(t.name!, { dims, data });
  }
  return out;
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** q and scale of a float32 tensor under the contract's rule, computed here independently of Python. */
function quantize(w: Float32Array, bits: 4 | 8): { q: Int8Array; scale: number } {
  const qmax = bits === 4 ? 7 : 127;
  let m = 0;
  for (const v of w) m = Math.max(m, Math.abs(v));
  const scale = m > 0 ? Math.fround(m / qmax) : 1;
  const q = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.max(-qmax - 1, Math.min(qmax, roundHalfEven(Math.fround(w[i]! / scale))));
  return { q, scale };
}

function quantizedNames(npz: Map<string, NpyArray>, bits: 4 | 8): string[] {
  return [...npz.keys()].filter((k) => k.endsWith(`.int${bits}`)).map((k) => k.slice(0, -5));
}

describe('reference models and weights', () => {
  const testX = readNpy(join(DATA_DIR, 'test_X.npy'));

  it.each(PAIRS.filter((p, i, all) => all.findIndex((q) => q.onnx === p.onnx) === i).map((p) => [p.onnx]))(
    '%s runs on onnxruntime-node: [N,3,114,10] -> [N,17,2]',
    async (onnxPath) => {
      const n = 5; // an odd batch: the batch axis is dynamic
      const x = (testX.data as Float32Array).slice(0, n * 3420);
      const session = await ort.InferenceSession.create(onnxPath);
      expect(session.inputNames).toEqual(['csi']);
      expect(session.outputNames).toEqual(['keypoints']);
      const out = (await session.run({ csi: new ort.Tensor('float32', x, [n, 3, 114, 10]) })).keypoints!;
      expect(out.dims).toEqual([n, 17, 2]);
      expect(Array.from(out.data as Float32Array).every(Number.isFinite)).toBe(true);
    },
  );

  it.each(PAIRS.map((p) => [p.npz, p]))('%s follows pose-edge-qweights v1 and matches its ONNX weights', (_n, p) => {
    const pair = p as Pair;
    const npz = readNpz(pair.npz);
    const meta = JSON.parse(new TextDecoder().decode(npz.get('__meta__')!.data as Uint8Array));
    // micro's QAT weights were trained with activation-aware QAT (models/micro/qplan_int4.json): the modules are
    // recorded in __meta__ and each has a QuantizeLinear -> DequantizeLinear pair in the ONNX it ships with
    const actQat = pair.model === 'micro' && pair.npz.endsWith('pose_micro_int4.npz');
    const planned = actQat ? (JSON.parse(readFileSync(join(MODELS_DIR, 'micro', 'qplan_int4.json'), 'utf8')) as { activations: { module: string }[] }).activations.map((a) => a.module) : [];
    expect(meta).toEqual({ format: 'pose-edge-qweights', version: 1, bits: pair.bits, scheme: 'symmetric', model: pair.model, ...(actQat ? { int8Inputs: planned } : {}) });
    const pairs = (loadOnnx(pair.onnx).model.graph?.node ?? []).filter((n) => n.opType === 'QuantizeLinear').length;
    expect(pairs).toBe(planned.length);
    const inits = initializers(pair.onnx);
    const names = quantizedNames(npz, pair.bits);
    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(names).toContain('proj.weight');
    const used = new Set<string>();
    for (const name of names) {
      const packed = npz.get(`${name}.int${pair.bits}`)!;
      const shape = Array.from(npz.get(`${name}.shape`)!.data as BigInt64Array, Number);
      const scale = npz.get(`${name}.scale`)!;
      expect(npz.get(`${name}.shape`)!.dtype).toBe('i8');
      expect(scale.dtype).toBe('f4');
      expect(scale.shape).toEqual([]);
      expect(shape.length).toBe(2);
      const count = shape[0]! * shape[1]!;
      let q: Int8Array;
      if (pair.bits === 4) {
        expect(packed.dtype).toBe('u1');
        expect(packed.shape).toEqual([Math.ceil(count / 2)]);
        q = unpackInt4(packed.data as Uint8Array, count);
      } else {
        expect(packed.dtype).toBe('i1');
        expect(packed.shape).toEqual(shape);
        q = packed.data as Int8Array;
      }
      // The ONNX file stores this matrix [out,in] (Gemm transB) or transposed [in,out] (MatMul), under an
      // exporter-chosen name: find the initializer whose quantization is exactly this one.
      const found = [...inits.entries()].find(([iname, t]) => {
        if (used.has(iname) || t.dims.length !== 2) return false;
        const candidates: Float32Array[] = []; // a square matrix may be stored either way
        if (t.dims[0] === shape[0] && t.dims[1] === shape[1]) candidates.push(t.data);
        if (t.dims[0] === shape[1] && t.dims[1] === shape[0]) candidates.push(transpose2d(t.data, t.dims[0]!, t.dims[1]!));
        return candidates.some((w) => {
          const mine = quantize(w, pair.bits);
          return mine.scale === (scale.data as Float32Array)[0] && mine.q.every((v, i) => v === q[i]);
        });
      });
      expect(found, `${pair.npz}: no initializer of ${pair.onnx} quantizes to ${name}`).toBeDefined();
      used.add(found![0]);
    }
    // float tensors keep their state_dict names in the ONNX file (except ones the exporter folded away)
    for (const [key, arr] of npz) {
      if (key === '__meta__' || /\.(int4|int8|scale|shape)$/.test(key)) continue;
      expect(arr.dtype).toBe('f4');
      const init = inits.get(key);
      if (init) expect(Array.from(init.data)).toEqual(Array.from(arr.data as Float32Array));
    }
  });

  it('micro has the published parameter count within 5% and nano about 40K', () => {
    const params = (path: string): number => {
      let total = 0;
      for (const [key, arr] of readNpz(path)) {
        if (key === '__meta__' || key.endsWith('.scale') || key === 'refine.adj') continue; // adj: fixed buffer
        if (key.endsWith('.shape')) continue;
        if (key.endsWith('.int4') || key.endsWith('.int8')) {
          const shape = Array.from(readNpz(path).get(`${key.slice(0, -5)}.shape`)!.data as BigInt64Array, Number);
          total += shape.reduce((a, b) => a * b, 1);
        } else total += arr.shape.reduce((a, b) => a * b, 1);
      }
      return total;
    };
    const micro = params(join(MODELS_DIR, 'micro', 'pose_micro_int4.npz'));
    expect(Math.abs(micro - 75237) / 75237).toBeLessThan(0.05);
    const nano = params(join(MODELS_DIR, 'nano', 'pose_nano_int4.npz'));
    expect(nano).toBeGreaterThan(36000);
    expect(nano).toBeLessThan(44000);
  });

  it('bundled data has the contract shapes and is finite and non-negative', () => {
    expect(testX.shape[0]).toBeGreaterThanOrEqual(512);
    expect(testX.shape.slice(1)).toEqual([3, 114, 10]);
    const calib = readNpy(join(DATA_DIR, 'calib_X.npy'));
    expect(calib.shape[0]).toBeGreaterThanOrEqual(256);
    for (const arr of [testX, calib]) expect((arr.data as Float32Array).every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
    expect(readNpy(join(DATA_DIR, 'test_Y.npy')).shape).toEqual([testX.shape[0], 17, 2]);
    expect(readNpy(join(DATA_DIR, 'train_mean_pose.npy')).shape).toEqual([17, 2]);
    expect(existsSync(join(VARIANTS_DIR, 'variants.json'))).toBe(true);
  });
});

// The convolutional and recurrent models (issue 14) quantize per output channel: `<name>.scale` is [rows]
// and each row has its own max|W|/qmax. Their matrices are Conv weights [O, C/group, k], GRU W and R (an
// Unsqueeze of [3H, I] in the graph) and Gemm/MatMul weights; matched by element count, as stored or (2-D)
// transposed.
const PER_CHANNEL: Pair[] = (['cnn', 'gru'] as const).flatMap((m): Pair[] => [
  { onnx: `${m}/${m}.onnx`, npz: `${m}/pose_${m}_int4.npz`, bits: 4, model: m, qat: true },
  { onnx: `${m}/${m}_fp32.onnx`, npz: `${m}/pose_${m}_int4_ptq.npz`, bits: 4, model: m, qat: true },
  { onnx: `${m}/${m}_fp32.onnx`, npz: `${m}/pose_${m}_int8.npz`, bits: 8, model: m, qat: true },
]).map((p) => ({ ...p, onnx: join(MODELS_DIR, p.onnx), npz: join(MODELS_DIR, p.npz) }));

/** Per-row q and scales of a float32 tensor viewed as [rows, rest], the contract's rule row by row. */
function quantizeRows(w: Float32Array, rows: number, bits: 4 | 8): { q: Int8Array; scales: Float32Array } {
  const cols = w.length / rows;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = w.subarray(r * cols, (r + 1) * cols);
    const one = quantize(row, bits);
    q.set(one.q, r * cols);
    scales[r] = one.scale;
  }
  return { q, scales };
}

describe('per-output-channel reference models (cnn, gru)', () => {
  const testX = readNpy(join(DATA_DIR, 'test_X.npy'));

  it.each([...new Set(PER_CHANNEL.map((p) => p.onnx))].map((p) => [p]))('%s runs on onnxruntime-node: [N,3,114,10] -> [N,17,2]', async (onnxPath) => {
    const n = 5;
    const session = await ort.InferenceSession.create(onnxPath);
    const out = (await session.run({ csi: new ort.Tensor('float32', (testX.data as Float32Array).slice(0, n * 3420), [n, 3, 114, 10]) })).keypoints!;
    expect(out.dims).toEqual([n, 17, 2]);
    expect(Array.from(out.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it.each(PER_CHANNEL.map((p) => [p.npz, p]))('%s has per-row scales and codes that quantize its ONNX weights', (_n, p) => {
    const pair = p as Pair;
    const npz = readNpz(pair.npz);
    const meta = JSON.parse(new TextDecoder().decode(npz.get('__meta__')!.data as Uint8Array));
    // micro's QAT weights were trained with activation-aware QAT (models/micro/qplan_int4.json): the modules are
    // recorded in __meta__ and each has a QuantizeLinear -> DequantizeLinear pair in the ONNX it ships with
    const actQat = pair.model === 'micro' && pair.npz.endsWith('pose_micro_int4.npz');
    const planned = actQat ? (JSON.parse(readFileSync(join(MODELS_DIR, 'micro', 'qplan_int4.json'), 'utf8')) as { activations: { module: string }[] }).activations.map((a) => a.module) : [];
    expect(meta).toEqual({ format: 'pose-edge-qweights', version: 1, bits: pair.bits, scheme: 'symmetric', model: pair.model, ...(actQat ? { int8Inputs: planned } : {}) });
    const pairs = (loadOnnx(pair.onnx).model.graph?.node ?? []).filter((n) => n.opType === 'QuantizeLinear').length;
    expect(pairs).toBe(planned.length);
    const inits = initializers(pair.onnx);
    const names = quantizedNames(npz, pair.bits);
    expect(names.length).toBeGreaterThanOrEqual(4);
    const used = new Set<string>();
    for (const name of names) {
      const shape = Array.from(npz.get(`${name}.shape`)!.data as BigInt64Array, Number);
      const count = shape.reduce((a, b) => a * b, 1);
      const scale = npz.get(`${name}.scale`)!;
      expect(scale.dtype).toBe('f4');
      expect(scale.shape).toEqual([shape[0]]);
      const packed = npz.get(`${name}.int${pair.bits}`)!;
      const q = pair.bits === 4 ? unpackInt4(packed.data as Uint8Array, count) : (packed.data as Int8Array);
      const found = [...inits.entries()].find(([iname, t]) => {
        if (used.has(iname) || t.data.length !== count) return false;
        const candidates = [t.data];
        if (t.dims.length === 2) candidates.push(transpose2d(t.data, t.dims[0]!, t.dims[1]!));
        return candidates.some((w) => {
          const mine = quantizeRows(w, shape[0]!, pair.bits);
          return mine.scales.every((s, i) => s === (scale.data as Float32Array)[i]) && mine.q.every((v, i) => v === q[i]);
        });
      });
      expect(found, `${pair.npz}: no initializer of ${pair.onnx} quantizes to ${name}`).toBeDefined();
      used.add(found![0]);
    }
  });
});
