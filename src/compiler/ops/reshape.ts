// ONNX Reshape. The target shape must be known at compile time (it usually comes from a folded shape
// subgraph); 0 copies the input dim (allowzero=0) and one -1 is inferred.
import type { OpDef } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { fmtShape, intList, requireInput, requireValue, shapeError } from './support.ts';

export interface ReshapeAttrs {
  allowzero: number;
}

export function resolveReshape(node: { name: string; op: string }, inShape: readonly number[], target: readonly number[], allowzero: boolean): number[] {
  const out = target.map((d, i) => (d === 0 && !allowzero ? inShape[i] : d));
  if (out.some((d) => d === undefined)) throw shapeError(node, `shape ${fmtShape(target)} copies a dim the input ${fmtShape(inShape)} does not have`);
  const minus = out.filter((d) => d === -1).length;
  if (minus > 1) throw shapeError(node, `shape ${fmtShape(target)} has more than one -1`);
  const total = elementCount(inShape);
  if (minus === 1) {
    const known = elementCount(out.filter((d) => d !== -1));
    if (known === 0 || total % known !== 0) throw shapeError(node, `cannot reshape ${fmtShape(inShape)} to ${fmtShape(target)}`);
    out[out.indexOf(-1)] = total / known;
  }
  if (out.some((d) => d < 0) || elementCount(out) !== total) throw shapeError(node, `cannot reshape ${fmtShape(inShape)} (${total} elements) to ${fmtShape(target)}`);
  return out;
}

export const Reshape: OpDef<ReshapeAttrs> = {
  parse: (a) => ({ allowzero: a.int('allowzero', 0) }),
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'data');
    const target = intList(requireValue(node, inputs[1], 'the shape input'));
    return [{ dtype: x.dtype, shape: resolveReshape(node, x.shape, target, node.attrs.allowzero === 1) }];
  },
  evaluate: (node, [x, s]) => [{ dtype: x!.dtype, shape: resolveReshape(node, x!.shape, intList(s!), node.attrs.allowzero === 1), data: x!.data.slice() }],
};
