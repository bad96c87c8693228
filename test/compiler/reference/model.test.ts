import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { onnxPb } from '../../../src/compiler/onnx/load.ts';
import { readQWeights } from '../../../src/compiler/quant/qweights.ts';
import { initializerFloats } from '../../../src/compiler/quant/weight-map.ts';
import { MODELS_DIR } from '../../../src/paths.ts';
import { loadReferenceModel, runReference, runWithIntermediates, type FloatTensor } from '../../../src/compiler/reference/model.ts';
import { writeQWeightsFile, floatTensor } from '../quant/qweights-fixture.ts';
import { FC_Q, FC_SCALE, HEAD_Q, HEAD_SCALE, dequant, latentFc, latentHead, tinyForward, tinyMembers, tinyModel, type TinyOptions } from '../quant/tiny-onnx.ts';

const MICRO = join(MODELS_DIR, 'micro', 'micro.onnx');
const MICRO_INT4 = join(MODELS_DIR, 'micro', 'pose_micro_int4.npz');

function writeTiny(opts: TinyOptions = {}): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pose-edge-ref-')), 'tiny.onnx');
  writeFileSync(path, onnxPb.ModelProto.encode(tinyModel(opts)).finish());
  return path;
}

const X_TINY = [
  [1, 0.5, -2, 3],
  [0, 1, 1, -1],
  [2.5, -0.75, 0.25, 4],
];
const tinyInput = (): FloatTensor => ({ dims: [3, 4], data: Float32Array.from(X_TINY.flat()) });

/** Deterministic non-negative CSI-like windows [n,3,114,10]: the values only need to exercise the graph. */
function csiWindows(n: number): FloatTensor {
  const data = new Float32Array(n * 3420);
  for (let i = 0; i < data.length; i++) data[i] = 20 + 15 * Math.sin(i * 0.0137) + 5 * Math.cos(i * 0.71 + (i % 7));
  return { dims: [n, 3, 114, 10], data };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('reference model on a hand-built graph (oracle: the same float math in JS)', () => {
  it('runs with the dequantized npz weights, transposed back into the MatMul operand', async () => {
    const path = writeTiny();
    const ref = loadReferenceModel(path, writeQWeightsFile(tinyMembers()));
    const y = await runReference(ref.bytes, tinyInput());
    expect(y.dims).toEqual([3, 3]);
    // float32 inputs and weights with float32 accumulation over 4-5 terms of magnitude < 100: 1e-4 absolute.
    const want = tinyForward(X_TINY, dequant(FC_Q, FC_SCALE), dequant(HEAD_Q, HEAD_SCALE)).flat();
    expect(maxAbsDiff(y.data, want)).toBeLessThan(1e-4);

    // The exported latent weights give a measurably different answer, so the test above can fail.
    const raw = await runReference(loadReferenceModel(path, null).bytes, tinyInput());
    expect(maxAbsDiff(raw.data, tinyForward(X_TINY, latentFc(), latentHead()).flat())).toBeLessThan(1e-4);
    expect(maxAbsDiff(raw.data, y.data)).toBeGreaterThan(0.1);
  });

  it('unties a deduplicated parameter so each npz key runs with its own values', () => {
    const path = writeTiny({ extraNodes: [{ name: 'Identity_0', opType: 'Identity', input: ['head.bias'], output: ['copy.bias'] }] });
    const ref = loadReferenceModel(path, writeQWeightsFile({ ...tinyMembers(), ...floatTensor('copy.bias', [0.1, 0.2, -0.3], [3]) }));
    const graph = onnxPb.ModelProto.decode(ref.bytes).graph as onnx.GraphProto;
    expect(graph.node.some((n) => n.opType === 'Identity')).toBe(false);
    const copy = graph.initializer.find((t) => t.name === 'copy.bias')!;
    expect(Array.from(initializerFloats(copy))).toEqual(Array.from(Float32Array.of(0.1, 0.2, -0.3)));
  });

  it('exposes intermediate tensors, the graph input and outputs; refuses unknown names and initializers', async () => {
    const path = writeTiny();
    const ref = loadReferenceModel(path, writeQWeightsFile(tinyMembers()));
    const got = await runWithIntermediates(ref.bytes, tinyInput(), ['h1', 'x', 'y'], { where: path });
    const fc = dequant(FC_Q, FC_SCALE);
    const h1 = X_TINY.flatMap((row) => [0, 1, 2, 3, 4].map((o) => row.reduce((s, v, i) => s + v * fc[o * 4 + i], 0)));
    expect(got.get('h1')!.dims).toEqual([3, 5]);
    expect(maxAbsDiff(got.get('h1')!.data as Float32Array, h1)).toBeLessThan(1e-4);
    expect(Array.from(got.get('x')!.data as Float32Array)).toEqual(X_TINY.flat());
    const y = await runReference(ref.bytes, tinyInput());
    expect(maxAbsDiff(got.get('y')!.data as Float32Array, y.data)).toBeLessThan(1e-6);
    await expect(runWithIntermediates(ref.bytes, tinyInput(), ['nope'], { where: path })).rejects.toThrow(`${path}: cannot expose tensor nope: no node produces it`);
    await expect(runWithIntermediates(ref.bytes, tinyInput(), ['head.bias'], { where: path })).rejects.toThrow(
      `${path}: cannot expose tensor head.bias: it is an initializer (a constant), not an activation`,
    );
  });

  it('names the model when onnxruntime cannot load it', async () => {
    const path = writeTiny({ extraNodes: [{ name: 'bad', opType: 'NoSuchOp', input: ['y'], output: ['z'] }] });
    const ref = loadReferenceModel(path, null);
    await expect(runReference(ref.bytes, tinyInput(), { where: path })).rejects.toThrow(`${path}: onnxruntime cannot load the model:`);
  });
});

describe('reference model on the bundled micro', () => {
  it('--weights none is exactly onnxruntime on the ONNX file', async () => {
    const X = csiWindows(6);
    const ref = loadReferenceModel(MICRO, null);
    const y = await runReference(ref.bytes, X, { batchSize: 4 });
    const session = await ort.InferenceSession.create(readFileSync(MICRO), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const direct = await session.run({ csi: new ort.Tensor('float32', X.data, X.dims) });
    await session.release();
    expect(y.dims).toEqual([6, 17, 2]);
    expect(direct.keypoints.dims).toEqual([6, 17, 2]);
    // Batches of 4 + 2 against one run of 6: single-threaded kernels compute each window alike.
    expect(Array.from(y.data)).toEqual(Array.from(direct.keypoints.data as Float32Array));
  });

  it('with the int4 npz, every mapped initializer holds the dequantized npz values in ONNX layout', () => {
    const ref = loadReferenceModel(MICRO, MICRO_INT4);
    const weights = readQWeights(MICRO_INT4);
    const inits = new Map((onnxPb.ModelProto.decode(ref.bytes).graph as onnx.GraphProto).initializer.map((t) => [t.name, initializerFloats(t)]));
    expect(ref.weightMap.length).toBe(weights.tensors.size);
    for (const e of ref.weightMap) {
      const src = weights.tensors.get(e.npzKey)!.dequantized;
      const got = inits.get(e.via ?? e.initializer)!;
      const [rows, cols] = e.shape;
      for (let i = 0; i < src.length; i++) {
        const j = e.transposed ? (i % cols) * rows + Math.floor(i / cols) : i;
        if (got[j] !== src[i]) throw new Error(`${e.npzKey} element ${i}: ${got[j]} != ${src[i]}`);
      }
    }
  });

  it('exposes a LayerNorm output for calibration; the keypoints match a plain run', async () => {
    const ref = loadReferenceModel(MICRO, MICRO_INT4);
    const graph = onnxPb.ModelProto.decode(ref.bytes).graph as onnx.GraphProto;
    const norm = graph.node.find((n) => n.opType === 'LayerNormalization' || n.opType === 'ReduceMean')!.output![0];
    const X = csiWindows(5);
    const got = await runWithIntermediates(ref.bytes, X, [norm, 'keypoints']);
    expect(got.get(norm)!.type).toBe('float32');
    expect(got.get(norm)!.dims[0]).toBe(5);
    const plain = await runReference(ref.bytes, X);
    // Extra outputs can change which float kernels onnxruntime fuses; the results agree to float32 rounding.
    expect(maxAbsDiff(got.get('keypoints')!.data as Float32Array, plain.data)).toBeLessThan(1e-5);
  });
});
