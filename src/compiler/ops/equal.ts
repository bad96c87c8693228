// ONNX Equal (torch emits it in some shape computations); result is bool.
import type { OpDef } from './types.ts';
import { binaryInfer } from './binary-infer.ts';
import { broadcastIndex, broadcastShapes } from './support.ts';

export const Equal: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: (node, inputs) => binaryInfer(node, inputs).map((o) => ({ ...o, dtype: 'bool' as const })),
  evaluate: (node, [a, b]) => {
    const shape = broadcastShapes(node, [a!.shape, b!.shape]);
    const ia = broadcastIndex(a!.shape, shape), ib = broadcastIndex(b!.shape, shape);
    const out = new Uint8Array(ia.length);
    for (let i = 0; i < out.length; i++) out[i] = a!.data[ia[i]] === b!.data[ib[i]] ? 1 : 0;
    return [{ dtype: 'bool', shape, data: out }];
  },
};
