// ONNX Transpose as an op of its own (its float semantics are in ops.test.ts): end to end, a permutation that
// moves data (pk_transpose_X_Y, axes reduced to at most four), C == simulator (gcc -O2, clang sanitizers),
// within half an input and half an output step of onnxruntime; one that only moves size-1 axes, and the
// normalized window's [0,3,1,2] (the normalization writes it token-major), are views with no code; a
// movement of more than four axis groups is refused naming the node.
import { describe, expect, it } from 'vitest';
import { checkOp, planOnly } from './conformance.ts';
import { floatTensor, int64Tensor, randomFloats, type ModelSpec, type NodeSpec } from '../onnx/onnx-builder.ts';
import { reduceTranspose } from '../../../src/compiler/kernels/transpose/index.ts';
import { CSI } from './pool-cases.ts';

function transposeOf(shape: number[], perm: number[], after: NodeSpec[] = []): ModelSpec {
  return {
    inputs: [CSI],
    outputs: [['y']],
    initializers: [int64Tensor('shape', [shape.length], [-1, ...shape.slice(1)]), floatTensor('lo', [], [-1e9])],
    nodes: [
      { op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['xr'] },
      { op: 'Transpose', inputs: ['xr'], outputs: [after.length ? 't' : 'y'], attrs: { perm }, name: '/Transpose' },
      ...after,
    ],
  };
}

/** The window normalization as torch exports it (ReduceMin/ReduceMax/Sub/Sub/Add/Div over the whole window). */
const NORMALIZE: NodeSpec[] = [
  { op: 'ReduceMin', inputs: ['csi'], outputs: ['mn'], attrs: { axes: [1, 2, 3], keepdims: 1 } },
  { op: 'ReduceMax', inputs: ['csi'], outputs: ['mx'], attrs: { axes: [1, 2, 3], keepdims: 1 } },
  { op: 'Sub', inputs: ['csi', 'mn'], outputs: ['d'] },
  { op: 'Sub', inputs: ['mx', 'mn'], outputs: ['r'] },
  { op: 'Add', inputs: ['r', 'eps'], outputs: ['re'] },
  { op: 'Div', inputs: ['d', 're'], outputs: ['xn'] },
];

describe('Transpose', () => {
  it('reduces a permutation to the axis groups that move', () => {
    expect(reduceTranspose([1, 3, 114, 10], [0, 2, 3, 1])).toEqual({ dims: [1140, 3], strides: [1, 1140] });
    expect(reduceTranspose([1, 10, 64], [0, 2, 1])).toEqual({ dims: [64, 10], strides: [1, 64] });
    expect(reduceTranspose([1, 10, 64], [1, 0, 2])).toEqual({ dims: [640], strides: [1] });
    expect(reduceTranspose([2, 3, 4, 5], [0, 2, 3, 1])).toEqual({ dims: [2, 20, 3], strides: [60, 1, 20] });
    expect(reduceTranspose([1, 3, 1, 1140], [0, 2, 1, 3])).toEqual({ dims: [3420], strides: [1] });
  });

  // Axis 0 stays first: it carries the batch of windows on onnxruntime (the Reshape's -1).
  for (const [shape, perm, dims] of [
    [[1, 3, 114, 10], [0, 2, 3, 1], [1, 1, 1140, 3]],
    [[1, 2, 3, 570], [0, 3, 2, 1], [1, 570, 3, 2]],
    [[1, 2, 3, 5, 114], [0, 4, 3, 2, 1], [114, 5, 3, 2]],
  ] as const) {
    it(`[${shape.join(',')}] by [${perm.join(',')}]: moves data, C == simulator, within half an input and half an output step of onnxruntime`, async () => {
      const r = await checkOp(transposeOf([...shape], [...perm]));
      const [op] = r.compiled.report.ops;
      expect(op.kernel).toBe('pk_transpose_i16_i16');
      expect(r.compiled.qgraph.ops[0]).toMatchObject({ dims });
      expect(r.cVsSim).toBe(0);
      expect(r.cVsSimSanitized).toBe(0);
      expect(r.maxErr).toBeLessThanOrEqual(r.inputScale / 2 + r.outputScale / 2 + 1e-6);
    });
  }

  it('int8 in and out, between two convs ([1,8,1140] -> [1,1140,8], as the cnn model\'s [B,10,64] -> [B,64,10]): C == simulator', async () => {
    const spec: ModelSpec = {
      inputs: [CSI],
      outputs: [['y']],
      initializers: [
        int64Tensor('s1', [3], [-1, 3, 1140]),
        floatTensor('W1', [8, 3, 1], randomFloats(24, 1, -1, 1)), floatTensor('W2', [4, 1140, 1], randomFloats(4560, 2, -0.05, 0.05)),
      ],
      nodes: [
        { op: 'Reshape', inputs: ['csi', 's1'], outputs: ['x'] },
        { op: 'Conv', inputs: ['x', 'W1'], outputs: ['c'], name: '/c1/Conv' },
        { op: 'Transpose', inputs: ['c'], outputs: ['t'], attrs: { perm: [0, 2, 1] }, name: '/Transpose' },
        { op: 'Conv', inputs: ['t', 'W2'], outputs: ['y'], name: '/c2/Conv' },
      ],
    };
    const r = await checkOp(spec, { actBits: 8 });
    expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_conv_w8_i16_i8', 'pk_transpose_i8_i8', 'pk_conv_w8_i8_i16']);
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
  });

  it('moving only size-1 axes is a view: no op of its own', async () => {
    const r = await checkOp(transposeOf([1, 3, 1, 1140], [0, 2, 1, 3], [{ op: 'Clip', inputs: ['t', 'lo'], outputs: ['y'] }]));
    expect(r.compiled.report.ops.map((o) => o.kind)).toEqual(['clip']);
    expect(r.cVsSim).toBe(0);
    expect(r.maxErr).toBeLessThanOrEqual(r.inputScale / 2 + r.outputScale / 2 + 1e-6);
  });

  it('[0,3,1,2] of the normalized window is a view of what the normalization writes (per-packet tokens)', async () => {
    const spec: ModelSpec = {
      inputs: [CSI],
      outputs: [['y']],
      initializers: [floatTensor('eps', [], [1e-6]), int64Tensor('shape', [3], [-1, 3, 114]), floatTensor('W', [4, 3, 3], randomFloats(36, 3, -1, 1))],
      nodes: [
        ...NORMALIZE,
        { op: 'Transpose', inputs: ['xn'], outputs: ['t'], attrs: { perm: [0, 3, 1, 2] }, name: '/Transpose' },
        { op: 'Reshape', inputs: ['t', 'shape'], outputs: ['tr'] },
        { op: 'Conv', inputs: ['tr', 'W'], outputs: ['y'], attrs: { pads: [1, 1] }, name: '/conv/Conv' },
      ],
    };
    const r = await checkOp(spec);
    expect(r.compiled.report.ops.map((o) => o.kind)).toEqual(['normalize', 'conv']);
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    // The normalized window is int8 (1/127 steps): half a step times the largest sum |w| of a row (<= 9), plus the output's.
    expect(r.maxErr).toBeLessThanOrEqual((0.5 / 127) * 9 + r.outputScale);
  });

  it('refuses a movement of more than four axis groups, naming the node', () => {
    expect(() => planOnly(transposeOf([2, 3, 2, 5, 57], [4, 3, 2, 1, 0], [{ op: 'Clip', inputs: ['t', 'lo'], outputs: ['y'] }]))).toThrow(
      /node "\/Transpose" \(Transpose\): moves 5 groups of axes \(perm \[4,3,2,1,0\] of \[2,3,2,5,57\]\); at most 4 are supported/,
    );
  });
});
