// Shape inference shared by the broadcasting arithmetic ops (Add, Sub, Mul, Div): same element type, numpy broadcast.
import type { Node } from '../ir/graph.ts';
import type { InputInfo, OutputInfo } from './types.ts';
import { broadcastShapes, requireInput, unsupported } from './support.ts';

export function binaryInfer(node: Node, inputs: readonly (InputInfo | undefined)[]): OutputInfo[] {
  const a = requireInput(node, inputs, 0, 'A');
  const b = requireInput(node, inputs, 1, 'B');
  if (a.dtype !== b.dtype) throw unsupported(node, `operands have different element types (${a.dtype} and ${b.dtype})`);
  if (a.dtype === 'bool') throw unsupported(node, 'bool operands are not supported');
  return [{ dtype: a.dtype, shape: broadcastShapes(node, [a.shape, b.shape]) }];
}
