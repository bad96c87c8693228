// pe.MinMaxNormalize: the model's window normalization (x - min) / (max - min + epsilon) over the whole window.
import type { MinMaxNormalizeAttrs } from '../ir/fused-ops.ts';
import type { OpDef } from './types.ts';
import { requireFloat, requireInput, same } from './support.ts';

export const MinMaxNormalize: OpDef<MinMaxNormalizeAttrs> = {
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'x');
    requireFloat(node, x, 'x');
    return same(x);
  },
  evaluate: (node, [x]) => {
    const src = x!.data as Float32Array;
    let mn = Infinity, mx = -Infinity;
    for (const v of src) {
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    // Same float32 roundings as the ONNX graph: (max - min) then + eps, each rounded to float32.
    const den = Math.fround(Math.fround(mx - mn) + node.attrs.epsilon);
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = Math.fround(src[i] - mn) / den;
    return [{ dtype: 'float32', shape: [...x!.shape], data: out }];
  },
};
