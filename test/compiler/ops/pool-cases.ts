// Shared by the MaxPool and AveragePool tests: a pooling model on the CSI window reshaped to a given input
// (the 3420 values of a window; -1 in the Reshape so that calibration's batches of windows reshape too), and
// an int8 variant that runs it on a Conv's int8 output.
import { floatTensor, int64Tensor, randomFloats, type AttrValue, type ModelSpec } from '../onnx/onnx-builder.ts';

export const CSI: [string, (number | string)[]] = ['csi', ['N', 3, 114, 10]];

export function poolOnWindow(op: string, x: number[], attrs: Record<string, AttrValue>, name = `/pool/${op}`): ModelSpec {
  return {
    inputs: [CSI],
    outputs: [['y']],
    initializers: [int64Tensor('shape', [x.length], [-1, ...x.slice(1)])],
    nodes: [
      { op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['xr'] },
      { op, inputs: ['xr'], outputs: ['y'], attrs, name },
    ],
  };
}

/**
 * csi -> Reshape [-1, 3, 1140] -> Conv 1x1 (3 -> 8, int8 output) -> `op` -> AveragePool k1 (a calibrated op, so
 * the pool's output is not the model output and keeps --act-bits 8): the pool runs int8 -> int8.
 */
export function poolOnInt8(op: string, attrs: Record<string, AttrValue>): ModelSpec {
  return {
    inputs: [CSI],
    outputs: [['y']],
    initializers: [int64Tensor('shape', [3], [-1, 3, 1140]), floatTensor('W', [8, 3, 1], randomFloats(24, 5, -1, 1)), floatTensor('B', [8], randomFloats(8, 6, -1, 1))],
    nodes: [
      { op: 'Reshape', inputs: ['csi', 'shape'], outputs: ['xr'] },
      { op: 'Conv', inputs: ['xr', 'W', 'B'], outputs: ['c'], name: '/conv/Conv' },
      { op, inputs: ['c'], outputs: ['p'], attrs, name: `/pool/${op}` },
      { op: 'AveragePool', inputs: ['p'], outputs: ['y'], attrs: { kernel_shape: [1] }, name: '/out/AveragePool' },
    ],
  };
}
