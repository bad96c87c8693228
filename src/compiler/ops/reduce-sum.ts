// ONNX ReduceSum (the attention pooling's weighted sum over tokens).
import type { OpDef } from './types.ts';
import { evaluateReduce, inferReduce, parseReduce, type ReduceAttrs } from './reduce-common.ts';

export const ReduceSum: OpDef<ReduceAttrs> = {
  parse: parseReduce,
  infer: inferReduce,
  evaluate: (node, inputs) => evaluateReduce(node, inputs, (v) => v, (a, v) => a + v, (a) => a),
};
