// pe.Gelu: the exact GELU 0.5 x (1 + erf(x / sqrt 2)).
import type { GeluAttrs } from '../ir/fused-ops.ts';
import type { OpDef } from './types.ts';
import { erf } from './erf.ts';
import { floatUnaryInfer } from './unary-infer.ts';
import { mapFloat } from './support.ts';

export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export const Gelu: OpDef<GeluAttrs> = {
  infer: floatUnaryInfer,
  evaluate: (_node, [x]) => [mapFloat(x!, gelu)],
};
