// ONNX ReduceMean (the opset-13 LayerNorm decomposition).
import type { OpDef } from './types.ts';
import { evaluateReduce, inferReduce, parseReduce, type ReduceAttrs } from './reduce-common.ts';

export const ReduceMean: OpDef<ReduceAttrs> = {
  parse: parseReduce,
  infer: inferReduce,
  evaluate: (node, inputs) => evaluateReduce(node, inputs, (v) => v, (a, v) => a + v, (a, n) => a / n),
};
