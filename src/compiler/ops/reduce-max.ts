// ONNX ReduceMax (the window normalization's maximum).
import type { OpDef } from './types.ts';
import { evaluateReduce, inferReduce, parseReduce, type ReduceAttrs } from './reduce-common.ts';

export const ReduceMax: OpDef<ReduceAttrs> = {
  parse: parseReduce,
  infer: inferReduce,
  evaluate: (node, inputs) => evaluateReduce(node, inputs, (v) => v, (a, v) => (v > a ? v : a), (a) => a),
};
