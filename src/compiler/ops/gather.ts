// ONNX Gather: picks slices along one axis (shape subgraphs read single dims with it; negative indices wrap).
import type { OpDef } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { allocate, intList, normAxis, requireInput, shapeError, unsupported } from './support.ts';

export interface GatherAttrs {
  axis: number;
}

export const Gather: OpDef<GatherAttrs> = {
  parse: (a) => ({ axis: a.int('axis', 0) }),
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'data');
    const ind = requireInput(node, inputs, 1, 'indices');
    if (ind.dtype !== 'int64' && ind.dtype !== 'int32') throw unsupported(node, `indices have element type ${ind.dtype}`);
    const axis = normAxis(node, node.attrs.axis, x.shape.length);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, axis), ...ind.shape, ...x.shape.slice(axis + 1)] }];
  },
  evaluate: (node, [x, ind]) => {
    const axis = normAxis(node, node.attrs.axis, x!.shape.length);
    const dim = x!.shape[axis];
    const idx = intList(ind!).map((i) => {
      const j = i < 0 ? i + dim : i;
      if (j < 0 || j >= dim) throw shapeError(node, `index ${i} is out of range for an axis of ${dim}`);
      return j;
    });
    const outer = elementCount(x!.shape.slice(0, axis));
    const inner = elementCount(x!.shape.slice(axis + 1));
    const shape = [...x!.shape.slice(0, axis), ...ind!.shape, ...x!.shape.slice(axis + 1)];
    const out = allocate(x!.dtype, elementCount(shape));
    let pos = 0;
    for (let o = 0; o < outer; o++) {
      for (const j of idx) {
        for (let i = 0; i < inner; i++) (out as Float32Array)[pos++] = (x!.data as Float32Array)[(o * dim + j) * inner + i];
      }
    }
    return [{ dtype: x!.dtype, shape, data: out }];
  },
};
