// ONNX Tanh.
import type { OpDef } from './types.ts';
import { floatUnaryInfer } from './unary-infer.ts';
import { mapFloat } from './support.ts';

export const Tanh: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: floatUnaryInfer,
  evaluate: (_node, [x]) => [mapFloat(x!, Math.tanh)],
};
