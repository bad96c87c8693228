// Golden test of every ONNX op the importer accepts: a one-op model built in the test runs on
// onnxruntime-node (the oracle) and through import + the float interpreter on the same random inputs.
// Tolerance 1e-5 * max(1, max |output|): single float32 ops differ only in rounding order (we accumulate
// in float64), a few ulps; any semantic mistake (axis, broadcast, clamp, default attribute) is far larger.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ONNX_OPS } from '../../../src/compiler/ops/index.ts';
import { floatTensor, int64Tensor, randomFloats, type ModelSpec } from '../onnx/onnx-builder.ts';
import { checkFloat } from './conformance.ts';

interface Case {
  name: string;
  spec: ModelSpec;
  /** Input value range (e.g. positive only for Sqrt). */
  range?: [number, number];
}

const X = (dims: number[]): ModelSpec['inputs'][number] => ['x', dims];
const one = (op: string, dims: number[], outDims: number[], extra: Partial<ModelSpec> & { attrs?: Record<string, unknown>; moreInputs?: string[]; outType?: 'int64' } = {}): ModelSpec => ({
  opset: extra.opset,
  inputs: extra.inputs ?? [X(dims)],
  outputs: [['y', outDims, extra.outType]],
  initializers: extra.initializers,
  nodes: [{ name: `/${op}`, op, inputs: ['x', ...(extra.moreInputs ?? [])], outputs: ['y'], attrs: extra.attrs as never }],
});

const cases: Case[] = [
  { name: 'Add broadcast', spec: one('Add', [1, 3, 4], [1, 3, 4], { initializers: [floatTensor('b', [4], [1, 2, 3, 4])], moreInputs: ['b'] }) },
  { name: 'Sub', spec: one('Sub', [1, 3, 4], [1, 3, 4], { initializers: [floatTensor('b', [1, 1, 4], [1, -2, 3, 0.5])], moreInputs: ['b'] }) },
  { name: 'Mul', spec: one('Mul', [1, 3, 4], [1, 3, 4], { initializers: [floatTensor('b', [3, 1], [2, -1, 0.5])], moreInputs: ['b'] }) },
  { name: 'Div', spec: one('Div', [1, 3, 4], [1, 3, 4], { initializers: [floatTensor('b', [4], [1.5, 2, 3, 7])], moreInputs: ['b'] }) },
  { name: 'Pow square', spec: one('Pow', [1, 3, 4], [1, 3, 4], { initializers: [floatTensor('p', [], [2])], moreInputs: ['p'] }) },
  { name: 'Pow 1.5', spec: one('Pow', [1, 3, 4], [1, 3, 4], { initializers: [floatTensor('p', [], [1.5])], moreInputs: ['p'] }), range: [0.1, 3] },
  { name: 'Sqrt', spec: one('Sqrt', [1, 5], [1, 5]), range: [0, 9] },
  { name: 'Erf', spec: one('Erf', [1, 64], [1, 64]), range: [-4, 4] },
  { name: 'Relu', spec: one('Relu', [1, 8], [1, 8]) },
  { name: 'Tanh', spec: one('Tanh', [1, 8], [1, 8]), range: [-3, 3] },
  { name: 'Sigmoid', spec: one('Sigmoid', [1, 8], [1, 8]), range: [-6, 6] },
  { name: 'Identity', spec: one('Identity', [1, 4], [1, 4]) },
  { name: 'Cast to int64', spec: one('Cast', [1, 6], [1, 6], { attrs: { to: 7 }, outType: 'int64' }), range: [-5, 5] },
  { name: 'Transpose perm', spec: one('Transpose', [1, 2, 3, 4], [1, 3, 2, 4], { attrs: { perm: [0, 2, 1, 3] } }) },
  { name: 'Transpose default', spec: one('Transpose', [1, 2, 3], [3, 2, 1]) },
  { name: 'Reshape 0 and -1', spec: one('Reshape', [1, 6, 4], [1, 12, 2], { initializers: [int64Tensor('s', [3], [0, -1, 2])], moreInputs: ['s'] }) },
  { name: 'Flatten', spec: one('Flatten', [1, 2, 3, 4], [2, 12], { attrs: { axis: 2 } }) },
  { name: 'Squeeze', spec: one('Squeeze', [1, 1, 5], [1, 5], { initializers: [int64Tensor('a', [1], [1])], moreInputs: ['a'] }) },
  { name: 'Unsqueeze', spec: one('Unsqueeze', [1, 5], [1, 5, 1], { initializers: [int64Tensor('a', [1], [-1])], moreInputs: ['a'] }) },
  {
    name: 'Slice negative step',
    spec: one('Slice', [1, 6, 8], [1, 3, 3], {
      initializers: [int64Tensor('st', [2], [-1, 1]), int64Tensor('en', [2], [-100, 7]), int64Tensor('ax', [2], [1, 2]), int64Tensor('sp', [2], [-2, 2])],
      moreInputs: ['st', 'en', 'ax', 'sp'],
    }),
  },
  { name: 'Slice chunk', spec: one('Slice', [1, 3, 12], [1, 3, 4], { initializers: [int64Tensor('st', [1], [4]), int64Tensor('en', [1], [8]), int64Tensor('ax', [1], [-1])], moreInputs: ['st', 'en', 'ax'] }) },
  {
    name: 'Split sizes',
    spec: {
      inputs: [X([1, 6, 2])],
      outputs: [['a', [1, 2, 2]], ['b', [1, 4, 2]]],
      initializers: [int64Tensor('sp', [2], [2, 4])],
      nodes: [{ name: '/Split', op: 'Split', inputs: ['x', 'sp'], outputs: ['a', 'b'], attrs: { axis: 1 } }],
    },
  },
  {
    name: 'Split equal',
    spec: { inputs: [X([1, 2, 6])], outputs: [['a', [1, 2, 3]], ['b', [1, 2, 3]]], nodes: [{ name: '/Split', op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { axis: -1 } }] },
  },
  { name: 'Concat', spec: one('Concat', [1, 2, 3], [1, 4, 3], { initializers: [floatTensor('c', [1, 2, 3], [1, 2, 3, 4, 5, 6])], moreInputs: ['c'], attrs: { axis: 1 } }) },
  { name: 'Gather', spec: one('Gather', [1, 4, 3], [1, 3, 3], { initializers: [int64Tensor('i', [3], [2, 0, -1])], moreInputs: ['i'], attrs: { axis: 1 } }) },
  { name: 'Gather scalar index', spec: one('Gather', [1, 3, 5], [1, 5], { initializers: [int64Tensor('i', [], [1])], moreInputs: ['i'], attrs: { axis: 1 } }) },
  { name: 'Shape start', spec: one('Shape', [1, 3, 4, 5], [2], { attrs: { start: 1, end: -1 }, outType: 'int64' }) },
  {
    name: 'Constant',
    spec: {
      inputs: [X([1, 3])],
      outputs: [['y', [1, 3]]],
      nodes: [
        { name: '/Constant', op: 'Constant', inputs: [], outputs: ['c'], attrs: { value: { tensor: floatTensor('', [3], [0.5, -1, 2]) } } },
        { name: '/Add', op: 'Add', inputs: ['x', 'c'], outputs: ['y'] },
      ],
    },
  },
  {
    name: 'Constant value_floats and value_int',
    spec: {
      inputs: [X([1, 3])],
      outputs: [['y', [1, 3]]],
      nodes: [
        { name: '/Constant', op: 'Constant', inputs: [], outputs: ['c'], attrs: { value_floats: { floats: [0.5, -1, 2] } } },
        { name: '/Constant_1', op: 'Constant', inputs: [], outputs: ['k'], attrs: { value_int: 3 } },
        { name: '/Cast', op: 'Cast', inputs: ['k'], outputs: ['kf'], attrs: { to: 1 } },
        { name: '/Mul', op: 'Mul', inputs: ['c', 'kf'], outputs: ['ck'] },
        { name: '/Add', op: 'Add', inputs: ['x', 'ck'], outputs: ['y'] },
      ],
    },
  },
  {
    name: 'ConstantOfShape',
    spec: {
      inputs: [X([1, 2, 3])],
      outputs: [['y', [1, 2, 3]]],
      initializers: [int64Tensor('s', [3], [1, 2, 3])],
      nodes: [
        { name: '/ConstantOfShape', op: 'ConstantOfShape', inputs: ['s'], outputs: ['c'], attrs: { value: { tensor: floatTensor('', [1], [2.5]) } } },
        { name: '/Mul', op: 'Mul', inputs: ['x', 'c'], outputs: ['y'] },
      ],
    },
  },
  { name: 'Expand', spec: one('Expand', [1, 1, 4], [1, 3, 4], { initializers: [int64Tensor('s', [3], [1, 3, 1])], moreInputs: ['s'] }) },
  {
    name: 'Equal + Where',
    spec: {
      inputs: [X([1, 4])],
      outputs: [['y', [1, 4]]],
      initializers: [int64Tensor('k', [4], [1, 0, 1, 0]), int64Tensor('one', [], [1]), floatTensor('z', [], [-7])],
      nodes: [
        { name: '/Equal', op: 'Equal', inputs: ['k', 'one'], outputs: ['m'] },
        { name: '/Where', op: 'Where', inputs: ['m', 'x', 'z'], outputs: ['y'] },
      ],
    },
  },
  { name: 'Softmax last', spec: one('Softmax', [1, 2, 5], [1, 2, 5], { attrs: { axis: -1 } }), range: [-4, 4] },
  { name: 'Softmax axis 1', spec: one('Softmax', [1, 10, 1], [1, 10, 1], { attrs: { axis: 1 } }), range: [-4, 4] },
  {
    name: 'LayerNormalization last',
    spec: one('LayerNormalization', [1, 3, 8], [1, 3, 8], { initializers: [floatTensor('g', [8], randomFloats(8, 3)), floatTensor('b', [8], randomFloats(8, 4))], moreInputs: ['g', 'b'], attrs: { axis: -1, epsilon: { float: 1e-5 } } }),
  },
  {
    name: 'LayerNormalization two axes, no bias',
    spec: one('LayerNormalization', [1, 3, 8], [1, 3, 8], { initializers: [floatTensor('g', [3, 8], randomFloats(24, 5))], moreInputs: ['g'], attrs: { axis: 1 } }),
  },
  { name: 'ReduceSum axes input', spec: one('ReduceSum', [1, 4, 3], [1, 3], { initializers: [int64Tensor('a', [1], [1])], moreInputs: ['a'], attrs: { keepdims: 0 } }) },
  { name: 'ReduceMean axes attribute', spec: one('ReduceMean', [1, 4, 6], [1, 4, 1], { attrs: { axes: [-1] } }) },
  { name: 'ReduceMean axes input (opset 18)', spec: one('ReduceMean', [1, 4, 6], [1, 4, 1], { opset: 18, initializers: [int64Tensor('a', [1], [-1])], moreInputs: ['a'] }) },
  { name: 'ReduceMin all', spec: one('ReduceMin', [1, 3, 5, 2], [1, 1, 1, 1]) },
  { name: 'ReduceMax some', spec: one('ReduceMax', [1, 3, 5, 2], [1, 1, 1, 1], { attrs: { axes: [1, 2, 3] } }) },
  { name: 'MatMul batched', spec: { inputs: [X([1, 2, 3, 4]), ['w', [1, 2, 4, 5]]], outputs: [['y', [1, 2, 3, 5]]], nodes: [{ name: '/MatMul', op: 'MatMul', inputs: ['x', 'w'], outputs: ['y'] }] } },
  { name: 'MatMul broadcast weight', spec: one('MatMul', [1, 3, 4], [1, 3, 2], { initializers: [floatTensor('w', [4, 2], randomFloats(8, 9))], moreInputs: ['w'] }) },
  { name: 'MatMul 1-D', spec: one('MatMul', [1, 4], [1], { initializers: [floatTensor('w', [4], [1, 2, 3, 4])], moreInputs: ['w'] }) },
  {
    name: 'Gemm transB',
    spec: one('Gemm', [1, 4], [1, 3], { initializers: [floatTensor('w', [3, 4], randomFloats(12, 11)), floatTensor('c', [3], [1, 2, 3])], moreInputs: ['w', 'c'], attrs: { transB: 1 } }),
  },
  {
    name: 'Gemm alpha beta',
    spec: one('Gemm', [1, 4], [1, 3], { initializers: [floatTensor('w', [4, 3], randomFloats(12, 12)), floatTensor('c', [1, 3], [1, 2, 3])], moreInputs: ['w', 'c'], attrs: { alpha: { float: 0.5 }, beta: { float: 2 } } }),
  },
];

describe('every imported op matches onnxruntime-node', () => {
  it('covers every ONNX op the importer accepts (here, or in its own test/compiler/ops/<op>.test.ts)', () => {
    const covered = new Set(cases.flatMap((c) => c.spec.nodes.map((n) => n.op)));
    // clip.test.ts, batch-normalization.test.ts, global-average-pool.test.ts: the op's name, lower or kebab case.
    const kebab = (op: string) => op.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
    const ownFile = (op: string) => [op.toLowerCase(), kebab(op)].some((f) => existsSync(join(import.meta.dirname, '..', 'ops', `${f}.test.ts`)));
    expect(ONNX_OPS.filter((op) => !covered.has(op) && !ownFile(op))).toEqual([]);
  });

  for (const c of cases) {
    it(c.name, async () => {
      for (const o of await checkFloat(c.spec, c.range)) {
        expect(o.shape, o.name).toEqual(o.refShape);
        expect(o.relErr, o.name).toBeLessThanOrEqual(1e-5);
      }
    });
  }
});
