// ONNX Concat of activations (its float semantics are in ops.test.ts, where it builds shapes): end to end, the
// kernel pk_concat_X_Y (each input requantized to the calibrated output scale), C == simulator (gcc -O2, clang
// sanitizers), within the stated bound of onnxruntime; two to four inputs at different scales, on the channel
// and on the last axis; more than four, or a constant input, refused naming the node.
import { describe, expect, it } from 'vitest';
import { checkOp, planOnly } from './conformance.ts';
import { floatTensor, type ModelSpec } from '../onnx/onnx-builder.ts';
import { CSI } from './pool-cases.ts';

const PIECES = ['Tanh', 'Sigmoid', 'HardSwish'];

/** The window itself and up to three functions of it (each at its own scale), concatenated on `axis`. */
function concatOf(inputs: number, axis: number): ModelSpec {
  const names = ['csi', ...PIECES.slice(0, inputs - 1).map((op) => op.toLowerCase())];
  return {
    inputs: [CSI], outputs: [['y']],
    nodes: [
      ...PIECES.slice(0, inputs - 1).map((op) => ({ op, inputs: ['csi'], outputs: [op.toLowerCase()] })),
      { op: 'Concat', inputs: names, outputs: ['y'], attrs: { axis }, name: '/Concat' },
    ],
  };
}

describe('Concat', () => {
  for (const [inputs, axis] of [[2, 1], [3, 3], [4, 1], [4, 2]] as const) {
    it(`${inputs} inputs on axis ${axis}: C == simulator, within each input's error and half an output step`, async () => {
      const r = await checkOp(concatOf(inputs, axis));
      const ops = r.compiled.report.ops;
      expect(ops[ops.length - 1].kernel).toBe('pk_concat_i16_i16');
      expect(r.cVsSim).toBe(0);
      expect(r.cVsSimSanitized).toBe(0);
      // The pieces: the input's rounding at slope <= 1.5, the tables' and gate's errors (<= 1e-3 on the
      // window's scale: tanh 3.8e-4, sigmoid 1.9e-4, the HardSwish gate 9.8e-4), their own output rounding,
      // then the concat's requantization to the output.
      const mid = Math.max(...ops.slice(0, -1).map((o) => o.outputs[0].scale), r.inputScale);
      const bound = 1.5 * (r.inputScale / 2) + 1e-3 + mid / 2 + r.outputScale / 2 + 1e-6;
      expect(r.maxErr).toBeLessThanOrEqual(bound);
    });
  }

  it('refuses five inputs and a constant input, naming the node', () => {
    const five: ModelSpec = { inputs: [CSI], outputs: [['y']], nodes: [{ op: 'Concat', inputs: ['csi', 'csi', 'csi', 'csi', 'csi'], outputs: ['y'], attrs: { axis: 1 }, name: '/Concat5' }] };
    expect(() => planOnly(five)).toThrow(/node "\/Concat5" \(Concat\): has 5 inputs; at most 4 are supported/);
    const withConst: ModelSpec = {
      inputs: [CSI], outputs: [['y']], initializers: [floatTensor('k', [1, 1, 114, 10], new Float32Array(1140))],
      nodes: [{ op: 'Concat', inputs: ['csi', 'k'], outputs: ['y'], attrs: { axis: 1 }, name: '/ConcatK' }],
    };
    expect(() => planOnly(withConst)).toThrow(/node "\/ConcatK" \(Concat\): input k is a constant/);
  });
});
