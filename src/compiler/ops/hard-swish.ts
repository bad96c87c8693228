// ONNX HardSwish (opset 14): y = x max(0, min(1, x / 6 + 1/2)).
import type { OpDef } from './types.ts';
import { floatUnaryInfer } from './unary-infer.ts';
import { mapFloat } from './support.ts';

export function hardSwish(v: number): number {
  return v * Math.max(0, Math.min(1, v / 6 + 0.5));
}

export const HardSwish: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: floatUnaryInfer,
  evaluate: (_node, [x]) => [mapFloat(x!, hardSwish)],
};
