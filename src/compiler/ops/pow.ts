// ONNX Pow (float base and exponent; the LayerNorm decomposition squares with Pow(x, 2)).
import type { OpDef } from './types.ts';
import { binary, broadcastShapes, requireFloat, requireInput } from './support.ts';

export const Pow: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: (node, inputs) => {
    const a = requireInput(node, inputs, 0, 'X');
    const b = requireInput(node, inputs, 1, 'Y');
    requireFloat(node, a, 'X');
    requireFloat(node, b, 'Y');
    return [{ dtype: 'float32', shape: broadcastShapes(node, [a.shape, b.shape]) }];
  },
  evaluate: (node, [a, b]) => [binary(node, a!, b!, (x, y) => (y === 2 ? x * x : Math.pow(x, y)))],
};
