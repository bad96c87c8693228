// What the four Reduce ops share: axes as an attribute (ReduceMean/Min/Max up to opset 17, ReduceSum up
// to 12) or as an input (ReduceSum from 13, all of them from 18), keepdims and noop_with_empty_axes.
import type { Node } from '../ir/graph.ts';
import type { AttrReader } from './attrs.ts';
import type { InputInfo, OutputInfo, Value } from './types.ts';
import { intList, reduceFloat, reduceShape, requireFloat, requireInput, requireValue } from './support.ts';

export interface ReduceAttrs {
  keepdims: boolean;
  /** Attribute form; null when absent (then the axes input, or all axes). */
  axes: number[] | null;
  noopWithEmptyAxes: boolean;
}

export function parseReduce(a: AttrReader): ReduceAttrs {
  return { keepdims: a.int('keepdims', 1) !== 0, axes: a.has('axes') ? a.ints('axes') : null, noopWithEmptyAxes: a.int('noop_with_empty_axes', 0) !== 0 };
}

function axesOf(node: Node<ReduceAttrs>, axesInput: number[] | undefined): number[] {
  return axesInput ?? node.attrs.axes ?? [];
}

export function inferReduce(node: Node<ReduceAttrs>, inputs: readonly (InputInfo | undefined)[]): OutputInfo[] {
  const x = requireInput(node, inputs, 0, 'data');
  requireFloat(node, x, 'data');
  const axesIn = inputs[1] ? intList(requireValue(node, inputs[1], 'the axes input')) : undefined;
  return [{ dtype: 'float32', shape: reduceShape(node, x.shape, axesOf(node, axesIn), node.attrs.keepdims, node.attrs.noopWithEmptyAxes).shape }];
}

export function evaluateReduce(
  node: Node<ReduceAttrs>,
  [x, axesV]: (Value | undefined)[],
  init: (first: number) => number,
  step: (acc: number, v: number) => number,
  finish: (acc: number, count: number) => number,
): Value[] {
  const r = reduceShape(node, x!.shape, axesOf(node, axesV ? intList(axesV) : undefined), node.attrs.keepdims, node.attrs.noopWithEmptyAxes);
  return [reduceFloat(x!, r.axes, r.shape, init, step, finish)];
}
