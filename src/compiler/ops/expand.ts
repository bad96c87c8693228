// ONNX Expand: numpy broadcast of the input to a compile-time shape.
import type { OpDef } from './types.ts';
import { broadcastIndex, broadcastShapes, gather, intList, requireInput, requireValue } from './support.ts';

export const Expand: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'input');
    const target = intList(requireValue(node, inputs[1], 'the shape input'));
    return [{ dtype: x.dtype, shape: broadcastShapes(node, [x.shape, target]) }];
  },
  evaluate: (node, [x, s]) => {
    const shape = broadcastShapes(node, [x!.shape, intList(s!)]);
    return [{ dtype: x!.dtype, shape, data: gather(x!.data, broadcastIndex(x!.shape, shape)) }];
  },
};
