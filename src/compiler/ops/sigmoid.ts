// ONNX Sigmoid.
import type { OpDef } from './types.ts';
import { floatUnaryInfer } from './unary-infer.ts';
import { mapFloat } from './support.ts';

export const Sigmoid: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: floatUnaryInfer,
  evaluate: (_node, [x]) => [mapFloat(x!, (v) => 1 / (1 + Math.exp(-v)))],
};
