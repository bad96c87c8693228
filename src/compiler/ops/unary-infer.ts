// Shape inference shared by the float element-wise functions (Sqrt, Erf, Relu, Tanh, Sigmoid).
import type { Node } from '../ir/graph.ts';
import type { InputInfo, OutputInfo } from './types.ts';
import { requireFloat, requireInput, same } from './support.ts';

export function floatUnaryInfer(node: Node, inputs: readonly (InputInfo | undefined)[]): OutputInfo[] {
  const x = requireInput(node, inputs, 0, 'X');
  requireFloat(node, x, 'X');
  return same(x);
}
