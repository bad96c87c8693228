// pe.FakeQuant: an ONNX QuantizeLinear -> DequantizeLinear pair on an activation (int8, zero point 0), fused
// at import (onnx/qdq.ts): y = clamp(round_half_even(x / scale), qmin, qmax) * scale, as onnxruntime computes it.
import type { FakeQuantAttrs } from '../ir/fused-ops.ts';
import type { OpDef } from './types.ts';
import { floatUnaryInfer } from './unary-infer.ts';
import { mapFloat } from './support.ts';

/** Rounds half to even, as QuantizeLinear does. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const FakeQuant: OpDef<FakeQuantAttrs> = {
  infer: floatUnaryInfer,
  evaluate: (node, [x]) => {
    const { scale, qmin, qmax } = node.attrs;
    return [mapFloat(x!, (v) => Math.min(qmax, Math.max(qmin, roundHalfEven(Math.fround(v / scale)))) * scale + 0)];
  },
};
