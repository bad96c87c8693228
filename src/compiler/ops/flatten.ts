// ONNX Flatten: [d0..d(axis-1)] x [d(axis)..] -> 2-D.
import type { OpDef } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { normAxis, requireInput } from './support.ts';

export interface FlattenAttrs {
  axis: number;
}

function flatShape(node: { name: string; op: string }, shape: readonly number[], axis: number): number[] {
  const a = axis === shape.length ? axis : normAxis(node, axis, shape.length);
  return [elementCount(shape.slice(0, a)), elementCount(shape.slice(a))];
}

export const Flatten: OpDef<FlattenAttrs> = {
  parse: (a) => ({ axis: a.int('axis', 1) }),
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'input');
    return [{ dtype: x.dtype, shape: flatShape(node, x.shape, node.attrs.axis) }];
  },
  evaluate: (node, [x]) => [{ dtype: x!.dtype, shape: flatShape(node, x!.shape, node.attrs.axis), data: x!.data.slice() }],
};
