// The op conformance harness on a kernel of the Transformer family run alone on the CSI window: it must find
// C == simulator and the simulator within its bound of onnxruntime, or the harness itself (which new kernels
// rely on) is wrong. Also: a kernel that cannot rescale refuses to be the model output.
import { describe, expect, it } from 'vitest';
import { checkOp } from './conformance.ts';
import { floatTensor, randomFloats } from '../onnx/onnx-builder.ts';

const CSI: [string, (number | string)[]] = ['csi', ['N', 3, 114, 10]];

describe('op conformance harness', () => {
  it('Add of the window and a constant: C == simulator (gcc -O2, clang + sanitizers), within its bound of onnxruntime', async () => {
    const c = randomFloats(3420, 5, -20, 20);
    const r = await checkOp({
      inputs: [CSI],
      outputs: [['y']],
      initializers: [floatTensor('c', [1, 3, 114, 10], c)],
      nodes: [{ op: 'Add', inputs: ['csi', 'c'], outputs: ['y'] }],
    });
    expect(r.cVsSim).toBe(0);
    expect(r.cVsSimSanitized).toBe(0);
    expect(r.compiled.report.ops.map((o) => o.kind)).toEqual(['add']);
    // Bound: the input's rounding (half a step), the constant's int8 rounding (half of max|c|/127), the
    // output rounding (half a step) and the multipliers' 31-bit precision (far below that).
    expect(r.maxErr).toBeLessThanOrEqual(r.inputScale / 2 + 20 / 127 / 2 + r.outputScale);
    expect(r.maxErr).toBeGreaterThan(0);
  });

  it('a ReLU cannot be the model output (its output scale is fixed by the kernel API): refused, naming the node', async () => {
    await expect(checkOp({ inputs: [CSI], outputs: [['y']], nodes: [{ op: 'Relu', inputs: ['csi'], outputs: ['y'], name: 'final_relu' }] })).rejects.toThrow(
      /node "final_relu" \(Relu\): is the model output, whose scale is fixed/,
    );
  });
});
