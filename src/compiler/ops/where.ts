// ONNX Where (torch emits it in some shape computations): out = cond ? X : Y, numpy broadcasting.
import type { OpDef } from './types.ts';
import { allocate, broadcastIndex, broadcastShapes, requireInput, unsupported } from './support.ts';

export const Where: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: (node, inputs) => {
    const c = requireInput(node, inputs, 0, 'condition');
    const x = requireInput(node, inputs, 1, 'X');
    const y = requireInput(node, inputs, 2, 'Y');
    if (c.dtype !== 'bool') throw unsupported(node, `condition has element type ${c.dtype}, expected bool`);
    if (x.dtype !== y.dtype) throw unsupported(node, `X and Y have different element types (${x.dtype} and ${y.dtype})`);
    return [{ dtype: x.dtype, shape: broadcastShapes(node, [c.shape, x.shape, y.shape]) }];
  },
  evaluate: (node, [c, x, y]) => {
    const shape = broadcastShapes(node, [c!.shape, x!.shape, y!.shape]);
    const ic = broadcastIndex(c!.shape, shape), ix = broadcastIndex(x!.shape, shape), iy = broadcastIndex(y!.shape, shape);
    const out = allocate(x!.dtype, ic.length);
    for (let i = 0; i < ic.length; i++) (out as Float32Array)[i] = (c!.data[ic[i]] ? x!.data[ix[i]] : y!.data[iy[i]]) as number;
    return [{ dtype: x!.dtype, shape, data: out }];
  },
};
