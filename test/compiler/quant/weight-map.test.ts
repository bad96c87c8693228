import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { onnx } from 'onnx-proto';
import { loadOnnx } from '../../../src/compiler/onnx/load.ts';
import { readQWeights } from '../../../src/compiler/quant/qweights.ts';
import { mapWeights, type WeightMapEntry } from '../../../src/compiler/quant/weight-map.ts';
import { MODELS_DIR, REPO_ROOT } from '../../../src/paths.ts';
import { floatTensor, int4Tensor, writeQWeightsFile } from './qweights-fixture.ts';
import { FC_BIAS, HEAD_Q, HEAD_SCALE, SHIFT_BIAS, initializer, tinyMembers, tinyModel } from './tiny-onnx.ts';

const byKey = (entries: WeightMapEntry[]) => Object.fromEntries(entries.map((e) => [e.npzKey, e]));

describe('weight map on a hand-built torch-like graph', () => {
  it('maps by name, by transposed shape and values, and tells equal-shape biases apart by values', () => {
    const entries = mapWeights(tinyModel(), readQWeights(writeQWeightsFile(tinyMembers())), 'tiny.onnx');
    expect(byKey(entries)).toEqual({
      'fc.weight': { npzKey: 'fc.weight', initializer: 'onnx::MatMul_7', transposed: true, shape: [5, 4], bits: 4, matchedBy: 'values' },
      'fc.bias': { npzKey: 'fc.bias', initializer: 'onnx::Add_8', transposed: false, shape: [5], bits: 32, matchedBy: 'values' },
      'shift.bias': { npzKey: 'shift.bias', initializer: 'onnx::Add_9', transposed: false, shape: [5], bits: 32, matchedBy: 'values' },
      'head.weight': { npzKey: 'head.weight', initializer: 'head.weight', transposed: false, shape: [3, 5], bits: 4, matchedBy: 'name' },
      'head.bias': { npzKey: 'head.bias', initializer: 'head.bias', transposed: false, shape: [3], bits: 32, matchedBy: 'name' },
    });
  });

  it('lists every unmatched npz key and every weight initializer left without npz tensor in one error', () => {
    const members = tinyMembers();
    for (const k of ['fc.weight.int4', 'fc.weight.scale', 'fc.weight.shape']) delete members[k];
    const path = writeQWeightsFile({ ...members, ...int4Tensor('extra.weight', [1, 2, 3, 4], [2, 2], 1) });
    const run = () => mapWeights(tinyModel(), readQWeights(path), 'tiny.onnx');
    expect(run).toThrow(`${path} does not fit tiny.onnx:\n`);
    expect(run).toThrow('extra.weight [2,2] (int4) matches no ONNX initializer by name, shape and values');
    expect(run).toThrow('ONNX weight initializer onnx::MatMul_7 [4,5] got no npz tensor');
  });

  it('reports two biases whose values fit both initializers as ambiguous', () => {
    const model = tinyModel({ replace: { 'onnx::Add_9': initializer('onnx::Add_9', [5], FC_BIAS) } });
    const path = writeQWeightsFile({ ...tinyMembers(), ...floatTensor('shift.bias', FC_BIAS, [5]) });
    const run = () => mapWeights(model, readQWeights(path), 'tiny.onnx');
    expect(run).toThrow('fc.bias [5] (float) is ambiguous: its values fit ONNX initializers onnx::Add_8, onnx::Add_9');
    expect(run).toThrow('shift.bias [5] (float) is ambiguous: its values fit ONNX initializers onnx::Add_8, onnx::Add_9');
  });

  it('rejects a same-name tensor whose values are more than half a step away, or whose shape differs', () => {
    const far = HEAD_Q.map((q) => q * HEAD_SCALE);
    far[4] += 0.6 * HEAD_SCALE; // element 4: q=-3, 0.6 of a step off
    const model = tinyModel({ replace: { 'head.weight': initializer('head.weight', [3, 5], far) } });
    const path = writeQWeightsFile(tinyMembers());
    expect(() => mapWeights(model, readQWeights(path), 'tiny.onnx')).toThrow(
      'head.weight [3,5] (int4) has the name of ONNX initializer head.weight, but the values differ: element 4 is -1.2000000476837158 in the ONNX and -1.5 in the npz, more than half a quantization step (0.25)',
    );
    const bias = writeQWeightsFile({ ...tinyMembers(), ...floatTensor('head.bias', [1, 2, 3, 4], [4]) });
    expect(() => mapWeights(tinyModel(), readQWeights(bias), 'tiny.onnx')).toThrow(
      'head.bias [4] (float) has the name of ONNX initializer head.bias [3], but the shapes differ',
    );
  });

  it('a float tensor must agree within 1e-6 relative', () => {
    const path = writeQWeightsFile({ ...tinyMembers(), ...floatTensor('shift.bias', SHIFT_BIAS.map((v) => v * (1 + 1e-4)), [5]) });
    expect(() => mapWeights(tinyModel(), readQWeights(path), 'tiny.onnx')).toThrow('shift.bias [5] (float) matches no ONNX initializer by name, shape and values');
  });

  it('follows an Identity that torch left for a deduplicated parameter', () => {
    // torch keeps one of two equal parameters and reads the other through Identity(kept) -> its own name.
    const model = tinyModel({ extraNodes: [{ name: 'Identity_0', opType: 'Identity', input: ['head.bias'], output: ['copy.bias'] }] });
    const path = writeQWeightsFile({ ...tinyMembers(), ...floatTensor('copy.bias', [0.1, 0.2, -0.3], [3]) });
    const e = byKey(mapWeights(model, readQWeights(path), 'tiny.onnx'));
    expect(e['copy.bias']).toEqual({ npzKey: 'copy.bias', initializer: 'head.bias', transposed: false, shape: [3], bits: 32, matchedBy: 'name', via: 'copy.bias' });
    expect(e['head.bias'].initializer).toBe('head.bias');
  });
});

describe('weight map on the bundled models', () => {
  // The bundled models, plus the compiler's export variants (pre/post-norm, opset 13 decomposed LayerNorm, ...).
  const variants = join(REPO_ROOT, 'test', 'fixtures', 'variants');
  const cases = [
    ['micro/micro.onnx', 'micro/pose_micro_int4.npz'],
    ['micro/micro_fp32.onnx', 'micro/pose_micro_int8.npz'],
    ['micro/micro_fp32.onnx', 'micro/pose_micro_int4_ptq.npz'],
    ['nano/nano.onnx', 'nano/pose_nano_int4.npz'],
    ['nano/nano_fp32.onnx', 'nano/pose_nano_int8.npz'],
    ...readdirSync(variants, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => [join(variants, d.name, 'model.onnx'), join(variants, d.name, 'weights_int4.npz')]),
  ].map(([m, w]) => [resolve(MODELS_DIR, m), resolve(MODELS_DIR, w)]);
  for (const [modelFile, npzFile] of cases) {
    it(`${relative(REPO_ROOT, modelFile)} + ${relative(REPO_ROOT, npzFile)}: every npz key mapped once, transposed exactly for MatMul operands`, () => {
      const { model } = loadOnnx(modelFile);
      const weights = readQWeights(npzFile);
      const entries = mapWeights(model, weights, modelFile);
      expect(entries.map((e) => e.npzKey).sort()).toEqual([...weights.tensors.keys()].sort());
      const owners = entries.filter((e) => !e.via).map((e) => e.initializer);
      expect(new Set(owners).size).toBe(owners.length);

      // The oracle for `transposed` is how the graph consumes the initializer: torch hands a Linear's
      // weight to MatMul as [in,out] (transposed) and to Gemm with transB=1 as [out,in] (not transposed).
      const graph = model.graph as onnx.GraphProto;
      const dims = new Map(graph.initializer.map((t) => [t.name, (t.dims ?? []).map(Number)]));
      for (const e of entries) {
        const consumer = graph.node.find((n) => (n.input ?? []).includes(e.via ?? e.initializer))!;
        const asMatMulB = consumer.opType === 'MatMul' && consumer.input?.[1] === e.initializer;
        expect(e.transposed, `${e.npzKey} -> ${e.initializer} (${consumer.opType})`).toBe(asMatMulB && e.shape.length === 2);
        if (consumer.opType === 'Gemm') expect(Number((consumer.attribute ?? []).find((a) => a.name === 'transB')?.i)).toBe(1);
        const want = e.transposed ? [...e.shape].reverse() : e.shape;
        expect(dims.get(e.initializer)!.filter((d) => d !== 1)).toEqual(want.filter((d) => d !== 1));
      }
      const quantized = [...weights.tensors.values()].filter((t) => t.kind === 'quantized').map((t) => t.name);
      expect(entries.filter((e) => e.bits === weights.meta.bits).map((e) => e.npzKey).sort()).toEqual(quantized.sort());
    });
  }

  it('refuses the weights of another model', () => {
    const { model } = loadOnnx(join(MODELS_DIR, 'micro', 'micro.onnx'));
    const path = join(MODELS_DIR, 'nano', 'pose_nano_int4.npz');
    expect(() => mapWeights(model, readQWeights(path), 'micro.onnx')).toThrow(`${path} does not fit micro.onnx:`);
  });
});
