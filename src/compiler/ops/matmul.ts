// ONNX MatMul (numpy semantics, batched): projections (const weight), attention products, the adjacency product.
import type { OpDef } from './types.ts';
import { matmul, matmulShape } from './matmul-core.ts';
import { requireFloat, requireInput } from './support.ts';

export const MatMul: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: (node, inputs) => {
    const a = requireInput(node, inputs, 0, 'A');
    const b = requireInput(node, inputs, 1, 'B');
    requireFloat(node, a, 'A');
    requireFloat(node, b, 'B');
    return [{ dtype: 'float32', shape: matmulShape(node, a.shape, b.shape) }];
  },
  evaluate: (node, [a, b]) => [matmul(node, a!, b!)],
  weightInputs: [1],
};
