// ONNX Unsqueeze: axes as an input (opset >= 13) or an attribute (older), relative to the output rank.
import type { Node } from '../ir/graph.ts';
import type { OpDef } from './types.ts';
import { intList, normAxis, requireInput, requireValue, shapeError } from './support.ts';

export interface UnsqueezeAttrs {
  axes: number[] | null;
}

function unsqueezed(node: Node<UnsqueezeAttrs>, shape: readonly number[], axesIn: number[] | null): number[] {
  const given = axesIn ?? node.attrs.axes;
  if (given === null) throw shapeError(node, 'no axes given (neither the axes input nor the attribute)');
  const rank = shape.length + given.length;
  const axes = given.map((a) => normAxis(node, a, rank));
  if (new Set(axes).size !== axes.length) throw shapeError(node, `repeated axis in [${given.join(',')}]`);
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(axes.includes(i) ? 1 : shape[k++]);
  return out;
}

export const Unsqueeze: OpDef<UnsqueezeAttrs> = {
  parse: (a) => ({ axes: a.has('axes') ? a.ints('axes') : null }),
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'data');
    const axes = inputs[1] ? intList(requireValue(node, inputs[1], 'the axes input')) : null;
    return [{ dtype: x.dtype, shape: unsqueezed(node, x.shape, axes) }];
  },
  evaluate: (node, [x, axes]) => [{ dtype: x!.dtype, shape: unsqueezed(node, x!.shape, axes ? intList(axes) : null), data: x!.data.slice() }],
};
