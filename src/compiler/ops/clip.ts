// ONNX Clip (opset 11+, the range this compiler imports; ReLU6 and friends): y = min(max(x, min), max),
// the bounds as optional inputs that must be known at compile time (constants, or folded to constants).
import type { Node } from '../ir/graph.ts';
import type { OpDef, InputInfo, Value } from './types.ts';
import { floatUnaryInfer } from './unary-infer.ts';
import { mapFloat, requireValue, shapeError } from './support.ts';

/** The bound given as an optional input: a one-element float constant, or +-inf when absent. */
function bound(node: Node, input: InputInfo | Value | undefined, what: 'min' | 'max'): number {
  if (input === undefined) return what === 'min' ? -Infinity : Infinity;
  const v = 'data' in input ? input : requireValue(node, input, `Clip ${what} (a constant)`);
  if (v.data.length !== 1 || !(v.data instanceof Float32Array)) throw shapeError(node, `Clip ${what} must be one float, got [${v.shape.join(',')}] ${v.dtype}`);
  return v.data[0];
}

/** The node's bounds from its inputs 1 and 2 (shape inference's infos, or values). */
export function clipBounds(node: Node, inputs: readonly (InputInfo | Value | undefined)[]): { min: number; max: number } {
  const min = bound(node, inputs[1], 'min');
  const max = bound(node, inputs[2], 'max');
  if (min > max) throw shapeError(node, `Clip min ${min} is above max ${max}`);
  return { min, max };
}

export const Clip: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: (node, inputs) => {
    clipBounds(node, inputs);
    return floatUnaryInfer(node, inputs);
  },
  evaluate: (node, inputs) => {
    const { min, max } = clipBounds(node, inputs);
    return [mapFloat(inputs[0]!, (v) => Math.min(max, Math.max(min, v)))];
  },
};
