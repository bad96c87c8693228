// ONNX HardSigmoid: y = max(0, min(1, alpha x + beta)), alpha 0.2 and beta 0.5 by default.
import type { OpDef } from './types.ts';
import { floatUnaryInfer } from './unary-infer.ts';
import { mapFloat } from './support.ts';

export interface HardSigmoidAttrs {
  alpha: number;
  beta: number;
}

export function hardSigmoid(v: number, alpha: number, beta: number): number {
  return Math.max(0, Math.min(1, alpha * v + beta));
}

export const HardSigmoid: OpDef<HardSigmoidAttrs> = {
  parse: (a) => ({ alpha: a.float('alpha', 0.2), beta: a.float('beta', 0.5) }),
  infer: floatUnaryInfer,
  evaluate: (node, [x]) => [mapFloat(x!, (v) => hardSigmoid(v, node.attrs.alpha, node.attrs.beta))],
};
