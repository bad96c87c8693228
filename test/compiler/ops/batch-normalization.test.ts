// ONNX BatchNormalization: its float semantics against onnxruntime, and its folding (fold-batch-norm) into
// the Conv or the per-feature Gemm before it, end to end on the CSI window: the npz's int4 codes stay as QAT
// trained them (per tensor or per channel; a negative gamma negates a row), the scales and the bias take the
// BatchNormalization, no op of its own runs, C == simulator, within the input and output rounding of
// onnxruntime on the unfolded float graph; what cannot be folded is refused naming the node.
import { describe, expect, it } from 'vitest';
import { checkFloat, checkOp, planOnly } from './conformance.ts';
import { buildModel, floatTensor, int64Tensor, randomFloats, type ModelSpec } from '../onnx/onnx-builder.ts';
import { importOnnx } from '../../../src/compiler/onnx/import.ts';
import { lower } from '../../../src/compiler/lower.ts';
import { pack4, type Members } from '../quant/qweights-fixture.ts';

const CSI: [string, (number | string)[]] = ['csi', ['N', 3, 114, 10]];

/** BatchNormalization parameters for `c` channels; channel 1 gets a negative gamma. */
function bnInitializers(prefix: string, c: number, seed: number) {
  const gamma = Float32Array.from(randomFloats(c, seed, 0.5, 1.5), (v, i) => (i === 1 ? -v : v));
  return [
    floatTensor(`${prefix}.gamma`, [c], gamma),
    floatTensor(`${prefix}.beta`, [c], randomFloats(c, seed + 1, -0.3, 0.3)),
    floatTensor(`${prefix}.mean`, [c], randomFloats(c, seed + 2, -0.2, 0.2)),
    floatTensor(`${prefix}.var`, [c], randomFloats(c, seed + 3, 0.2, 2)),
  ];
}

/** int4 codes in [-7, 7] with one scale (per tensor) or one per row: the npz members and their float values. */
function int4(name: string, shape: number[], seed: number, perRow: boolean): { members: Members; values: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  const rowLen = n / shape[0];
  const q = Array.from(randomFloats(n, seed, -7.49, 7.49), Math.round);
  const scales = randomFloats(perRow ? shape[0] : 1, seed + 5, 0.003, 0.02);
  return {
    values: Float32Array.from(q, (v, i) => v * scales[perRow ? Math.floor(i / rowLen) : 0]),
    members: {
      [`${name}.int4`]: { data: pack4(q), shape: [Math.ceil(n / 2)] },
      [`${name}.scale`]: { data: scales, shape: perRow ? [shape[0]] : [] },
      [`${name}.shape`]: { data: BigInt64Array.from(shape, BigInt), shape: [shape.length] },
    },
  };
}

/** Largest sum |w'| over the rows of the folded weight (w times |gamma| / sqrt(var + eps)). */
function foldedRowSum(w: Float32Array, rows: number, spec: ModelSpec, prefix: string): number {
  const init = (n: string) => spec.initializers!.find((t) => t.name === `${prefix}.${n}`)!;
  const f32 = (n: string) => new Float32Array(new Uint8Array(init(n).rawData!).buffer);
  const gamma = f32('gamma'), variance = f32('var');
  const rowLen = w.length / rows;
  let worst = 0;
  for (let o = 0; o < rows; o++) {
    const f = Math.abs(gamma[o]) / Math.sqrt(variance[o] + 1e-5);
    let s = 0;
    for (let i = 0; i < rowLen; i++) s += Math.abs(w[o * rowLen + i]) * f;
    worst = Math.max(worst, s);
  }
  return worst;
}

describe('BatchNormalization', () => {
  it('float semantics (import + interpreter) match onnxruntime: 1-D and 2-D inputs, default and given epsilon', async () => {
    for (const [shape, eps] of [[[1, 4, 7], undefined], [[1, 3, 5, 4], 1e-3]] as const) {
      const spec: ModelSpec = {
        inputs: [['x', [...shape]]],
        outputs: [['y']],
        initializers: bnInitializers('bn', shape[1], 3),
        nodes: [{ op: 'BatchNormalization', inputs: ['x', 'bn.gamma', 'bn.beta', 'bn.mean', 'bn.var'], outputs: ['y'], ...(eps ? { attrs: { epsilon: { float: eps } } } : {}) }],
      };
      for (const o of await checkFloat(spec)) expect(o.relErr).toBeLessThanOrEqual(1e-5);
    }
  });

  for (const perRow of [false, true]) {
    it(`folded into a Conv (int4 codes, ${perRow ? 'per-channel' : 'per-tensor'} scale, a negative gamma): no op of its own, C == simulator, within the input and output rounding of onnxruntime`, async () => {
      const w = [6, 3, 5];
      const { members, values } = int4('conv.weight', w, perRow ? 11 : 12, perRow);
      const spec: ModelSpec = {
        inputs: [CSI],
        outputs: [['y']],
        initializers: [int64Tensor('shape', [3], [-1, 3, 1140]), floatTensor('conv.weight', w, values), floatTensor('conv.bias', [6], randomFloats(6, 13, -0.2, 0.2)), ...bnInitializers('bn', 6, 14)],
        nodes: [
          { op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['x'] },
          { op: 'Conv', inputs: ['x', 'conv.weight', 'conv.bias'], outputs: ['c'], attrs: { strides: [2], pads: [2, 2] }, name: '/conv/Conv' },
          { op: 'BatchNormalization', inputs: ['c', 'bn.gamma', 'bn.beta', 'bn.mean', 'bn.var'], outputs: ['y'], name: '/bn/BatchNormalization' },
        ],
      };
      const r = await checkOp(spec, { weights: members });
      const [op] = r.compiled.report.ops;
      expect(r.compiled.report.ops.map((o) => o.kernel)).toEqual(['pk_conv_w4_i16_i16']);
      expect(op.onnxNodes).toEqual(['/conv/Conv', '/bn/BatchNormalization']);
      expect(op.quant[0]).toMatch(/conv\.weight \(npz int4, .* x the folded BatchNormalization's per-channel factor\)/);
      expect(r.cVsSim).toBe(0);
      expect(r.cVsSimSanitized).toBe(0);
      // The codes are exact; the input's rounding moves an output by at most half an input step times the
      // folded row's sum |w'|, the output's by half a step, the bias by half an accumulator unit (< 1e-5).
      const bound = (r.inputScale / 2) * foldedRowSum(values, 6, spec, 'bn') + r.outputScale / 2 + 1e-5;
      process.stdout.write(`BatchNormalization folded into Conv (${perRow ? 'per channel' : 'per tensor'}): max err ${r.maxErr.toExponential(3)}, bound ${bound.toExponential(3)}\n`);
      expect(r.maxErr).toBeLessThanOrEqual(bound);
    });
  }

  it('folded into a Gemm (BatchNorm1d after a Linear): the Linear takes per-row scales, C == simulator, within the rounding', async () => {
    const { members, values } = int4('fc.weight', [8, 342], 21, false);
    const spec: ModelSpec = {
      inputs: [CSI],
      outputs: [['y']],
      initializers: [int64Tensor('shape', [2], [-1, 342]), int64Tensor('shape2', [2], [-1, 80]), floatTensor('fc.weight', [8, 342], values), floatTensor('fc.bias', [8], randomFloats(8, 22, -0.2, 0.2)), ...bnInitializers('bn', 8, 23)],
      nodes: [
        { op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['x'] },
        { op: 'Gemm', inputs: ['x', 'fc.weight', 'fc.bias'], outputs: ['h'], attrs: { transB: 1 }, name: '/fc/Gemm' },
        { op: 'BatchNormalization', inputs: ['h', 'bn.gamma', 'bn.beta', 'bn.mean', 'bn.var'], outputs: ['b'], name: '/bn/BatchNormalization' },
        { op: 'Reshape', inputs: ['b', 'shape2'], outputs: ['y'] },
      ],
    };
    const r = await checkOp(spec, { weights: members });
    expect(r.compiled.report.ops.map((o) => o.kind)).toEqual(['linear']);
    expect(r.compiled.report.ops[0].onnxNodes).toEqual(['/fc/Gemm', '/bn/BatchNormalization']);
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    const bound = (r.inputScale / 2) * foldedRowSum(values, 8, spec, 'bn') + r.outputScale / 2 + 1e-5;
    expect(r.maxErr).toBeLessThanOrEqual(bound);
  });

  it('refuses a BatchNormalization with nothing to fold into, and training mode, naming the node', () => {
    const alone: ModelSpec = {
      inputs: [['x', [1, 3, 114, 10]]],
      outputs: [['y']],
      initializers: bnInitializers('bn', 3, 30),
      nodes: [{ op: 'BatchNormalization', inputs: ['x', 'bn.gamma', 'bn.beta', 'bn.mean', 'bn.var'], outputs: ['y'], name: 'bn_alone' }],
    };
    // Lowering keeps it (nothing to fold into); planning names it and says where it is supported.
    expect(lower(buildModel(alone)).nodes.map((n) => n.op)).toEqual(['BatchNormalization']);
    expect(() => planOnly(alone)).toThrow(
      /node "bn_alone" \(BatchNormalization\): is only supported folded into the Conv, or the Gemm\/MatMul with a 2-D \[rows, features\] output, that produces its input/,
    );
    expect(() => importOnnx(buildModel({ ...alone, nodes: [{ ...alone.nodes[0], name: 'bn_train', attrs: { training_mode: 1 } }] }))).toThrow(
      /node "bn_train" \(BatchNormalization\): training_mode=1 is not supported/,
    );
  });
});
