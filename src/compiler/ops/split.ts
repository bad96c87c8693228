// ONNX Split: sizes from the split input (opset >= 13), the split attribute (older), or equal parts
// (one per output, or num_outputs at opset 18 with a smaller last part).
import type { Node } from '../ir/graph.ts';
import type { OpDef, Value } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { gather, intList, normAxis, requireInput, requireValue, shapeError, strides } from './support.ts';

export interface SplitAttrs {
  axis: number;
  /** From the attribute form (opset < 13), else null. */
  split: number[] | null;
  /** Number of outputs the node declares. */
  outputs: number;
}

function sizes(node: Node<SplitAttrs>, dim: number, splitIn: number[] | null): number[] {
  const given = splitIn ?? node.attrs.split;
  const n = node.attrs.outputs;
  if (given) {
    if (given.length !== n || given.reduce((a, b) => a + b, 0) !== dim) {
      throw shapeError(node, `split sizes [${given.join(',')}] do not divide an axis of ${dim} into ${n} outputs`);
    }
    return given;
  }
  const part = Math.ceil(dim / n);
  const out = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(part, dim - i * part)));
  if (out.some((s) => s === 0)) throw shapeError(node, `cannot split an axis of ${dim} into ${n} parts`);
  return out;
}

export const Split: OpDef<SplitAttrs> = {
  parse: (a, _opset, node) => ({ axis: a.int('axis', 0), split: a.has('split') ? a.ints('split') : null, outputs: node.outputCount }),
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'input');
    const axis = normAxis(node, node.attrs.axis, x.shape.length);
    const splitIn = inputs[1] ? intList(requireValue(node, inputs[1], 'the split input')) : null;
    return sizes(node, x.shape[axis], splitIn).map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === axis ? s : d)) }));
  },
  evaluate: (node, [x, splitV]) => {
    const axis = normAxis(node, node.attrs.axis, x!.shape.length);
    const parts = sizes(node, x!.shape[axis], splitV ? intList(splitV) : null);
    const inStr = strides(x!.shape);
    const outs: Value[] = [];
    let offset = 0;
    for (const p of parts) {
      const shape = x!.shape.map((d, i) => (i === axis ? p : d));
      const n = elementCount(shape);
      const index = new Int32Array(n);
      const idx = new Array<number>(shape.length).fill(0);
      for (let f = 0; f < n; f++) {
        let src = offset * inStr[axis];
        for (let d = 0; d < idx.length; d++) src += idx[d] * inStr[d];
        index[f] = src;
        for (let d = idx.length - 1; d >= 0; d--) {
          if (++idx[d] < shape[d]) break;
          idx[d] = 0;
        }
      }
      outs.push({ dtype: x!.dtype, shape, data: gather(x!.data, index) });
      offset += p;
    }
    return outs;
  },
};
