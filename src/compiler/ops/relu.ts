// ONNX Relu (the ReLU feed-forward variant and the skeleton-graph refinement). Kept as a primitive after lowering.
import type { OpDef } from './types.ts';
import { floatUnaryInfer } from './unary-infer.ts';
import { mapFloat } from './support.ts';

export const Relu: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: floatUnaryInfer,
  evaluate: (_node, [x]) => [mapFloat(x!, (v) => (v > 0 ? v : 0))],
};
