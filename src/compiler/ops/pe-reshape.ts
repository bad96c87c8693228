// pe.Reshape: a pure view with a static target shape (canonical form of Reshape/Flatten/Squeeze/Unsqueeze).
import type { ReshapeAttrs } from '../ir/fused-ops.ts';
import type { OpDef } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { fmtShape, requireInput, shapeError } from './support.ts';

export const ViewReshape: OpDef<ReshapeAttrs> = {
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'x');
    if (elementCount(x.shape) !== elementCount(node.attrs.shape)) throw shapeError(node, `cannot view ${fmtShape(x.shape)} as ${fmtShape(node.attrs.shape)}`);
    return [{ dtype: x.dtype, shape: [...node.attrs.shape] }];
  },
  evaluate: (node, [x]) => [{ dtype: x!.dtype, shape: [...node.attrs.shape], data: x!.data.slice() }],
};
