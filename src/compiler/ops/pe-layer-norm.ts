// pe.LayerNorm: layer normalization over the last axis with float scale and bias.
import type { LayerNormAttrs } from '../ir/fused-ops.ts';
import type { OpDef } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { layerNorm } from './layer-normalization.ts';
import { fmtShape, requireFloat, requireInput, same, shapeError } from './support.ts';

export const LayerNorm: OpDef<LayerNormAttrs> = {
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'x');
    requireFloat(node, x, 'x');
    const size = node.attrs.size;
    if (x.shape[x.shape.length - 1] !== size) throw shapeError(node, `last axis of ${fmtShape(x.shape)} is not ${size}`);
    for (const [i, what] of [[1, 'scale'], [2, 'bias']] as const) {
      const p = requireInput(node, inputs, i, what);
      if (elementCount(p.shape) !== size) throw shapeError(node, `${what} ${fmtShape(p.shape)} does not have ${size} values`);
    }
    return same(x);
  },
  evaluate: (node, [x, scale, bias]) => [
    layerNorm(x!, x!.shape.length - 1, node.attrs.epsilon, { ...scale!, shape: [node.attrs.size] }, { ...bias!, shape: [node.attrs.size] }),
  ],
};
