// Shared by the element-wise activation tests (Sigmoid, Tanh, HardSigmoid, HardSwish): the activation on the
// raw CSI window (int16 codes at the input's coarse 2^-7 scale), or after a 1x1 Conv that shifts the
// amplitudes into the function's active range (x * w + b, w > 0 and b < 0), at int16 or int8.
import { floatTensor, int64Tensor, type AttrValue, type ModelSpec } from '../onnx/onnx-builder.ts';
import { CSI } from './pool-cases.ts';

export function onWindow(op: string, attrs: Record<string, AttrValue> = {}): ModelSpec {
  return { inputs: [CSI], outputs: [['y']], nodes: [{ op, inputs: ['csi'], outputs: ['y'], attrs, name: `/${op}` }] };
}

/** csi -> Reshape [-1, 3, 1140] -> Conv 1x1 (each channel x * w + b) -> op. w, b per channel (3). */
export function afterConv(op: string, w: number[], b: number[], attrs: Record<string, AttrValue> = {}): ModelSpec {
  const W = [0, 1, 2].flatMap((o) => [0, 1, 2].map((c) => (o === c ? w[o] : 0)));
  return {
    inputs: [CSI],
    outputs: [['y']],
    initializers: [int64Tensor('shape', [3], [-1, 3, 1140]), floatTensor('W', [3, 3, 1], W), floatTensor('B', [3], b)],
    nodes: [
      { op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['xr'] },
      { op: 'Conv', inputs: ['xr', 'W', 'B'], outputs: ['c'], name: '/conv/Conv' },
      { op, inputs: ['c'], outputs: ['y'], attrs, name: `/${op}` },
    ],
  };
}
