// ONNX ReduceMin (the window normalization's minimum).
import type { OpDef } from './types.ts';
import { evaluateReduce, inferReduce, parseReduce, type ReduceAttrs } from './reduce-common.ts';

export const ReduceMin: OpDef<ReduceAttrs> = {
  parse: parseReduce,
  infer: inferReduce,
  evaluate: (node, inputs) => evaluateReduce(node, inputs, (v) => v, (a, v) => (v < a ? v : a), (a) => a),
};
