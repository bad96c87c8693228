// ONNX Concat along one axis (shape subgraphs build Reshape targets with it).
import type { OpDef } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { allocate, fmtShape, normAxis, shapeError, unsupported } from './support.ts';

export interface ConcatAttrs {
  axis: number;
}

export const Concat: OpDef<ConcatAttrs> = {
  parse: (a) => ({ axis: a.int('axis') }),
  infer: (node, inputs) => {
    const xs = inputs.filter((i) => i !== undefined);
    if (xs.length === 0) throw shapeError(node, 'no inputs');
    const rank = xs[0].shape.length;
    const axis = normAxis(node, node.attrs.axis, rank);
    const out = [...xs[0].shape];
    out[axis] = 0;
    for (const x of xs) {
      if (x.dtype !== xs[0].dtype) throw unsupported(node, `inputs have different element types (${xs[0].dtype} and ${x.dtype})`);
      if (x.shape.length !== rank || x.shape.some((d, i) => i !== axis && d !== xs[0].shape[i])) {
        throw shapeError(node, `cannot concatenate ${xs.map((i) => fmtShape(i.shape)).join(', ')} on axis ${node.attrs.axis}`);
      }
      out[axis] += x.shape[axis];
    }
    return [{ dtype: xs[0].dtype, shape: out }];
  },
  evaluate: (node, inputs) => {
    const xs = inputs.filter((i) => i !== undefined);
    const axis = normAxis(node, node.attrs.axis, xs[0].shape.length);
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((s, x) => s + x.shape[axis], 0);
    const outer = elementCount(shape.slice(0, axis));
    const out = allocate(xs[0].dtype, elementCount(shape));
    let pos = 0;
    for (let o = 0; o < outer; o++) {
      for (const x of xs) {
        const chunk = elementCount(x.shape.slice(axis));
        for (let i = 0; i < chunk; i++) (out as Float32Array)[pos++] = (x.data as Float32Array)[o * chunk + i];
      }
    }
    return [{ dtype: xs[0].dtype, shape, data: out }];
  },
};
