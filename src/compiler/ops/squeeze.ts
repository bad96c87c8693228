// ONNX Squeeze: axes as an input (opset >= 13) or an attribute (older); none means every size-1 axis.
import type { Node } from '../ir/graph.ts';
import type { InputInfo, OpDef } from './types.ts';
import { intList, normAxis, requireInput, requireValue, shapeError } from './support.ts';

export interface SqueezeAttrs {
  /** From the attribute form; null when the axes come from the second input (or are absent). */
  axes: number[] | null;
}

function squeezed(node: Node<SqueezeAttrs>, shape: readonly number[], axesInput: number[] | null): number[] {
  const given = axesInput ?? node.attrs.axes;
  const axes = given === null ? shape.flatMap((d, i) => (d === 1 ? [i] : [])) : given.map((a) => normAxis(node, a, shape.length));
  for (const a of axes) if (shape[a] !== 1) throw shapeError(node, `cannot squeeze axis ${a} of size ${shape[a]}`);
  return shape.filter((_, i) => !axes.includes(i));
}

function axesFromInput(node: Node<SqueezeAttrs>, info: InputInfo | undefined): number[] | null {
  return info ? intList(requireValue(node, info, 'the axes input')) : null;
}

export const Squeeze: OpDef<SqueezeAttrs> = {
  parse: (a) => ({ axes: a.has('axes') ? a.ints('axes') : null }),
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'data');
    return [{ dtype: x.dtype, shape: squeezed(node, x.shape, axesFromInput(node, inputs[1])) }];
  },
  evaluate: (node, [x, axes]) => [{ dtype: x!.dtype, shape: squeezed(node, x!.shape, axes ? intList(axes) : null), data: x!.data.slice() }],
};
