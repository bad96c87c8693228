// ONNX GlobalAveragePool: [N,C,spatial...] -> [N,C,1,...], the mean over every spatial position.
import type { Node } from '../ir/graph.ts';
import { elementCount } from '../ir/helpers.ts';
import type { InputInfo, OpDef, Value } from './types.ts';
import { fmtShape, requireFloat, requireInput, shapeError } from './support.ts';

function outShape(node: Node, shape: readonly number[]): number[] {
  if (shape.length < 3) throw shapeError(node, `input ${fmtShape(shape)} has no spatial axes (expected [N,C,...])`);
  return [shape[0], shape[1], ...shape.slice(2).map(() => 1)];
}

export const GlobalAveragePool: OpDef<Record<string, never>> = {
  parse: () => ({}),
  infer: (node, inputs: (InputInfo | undefined)[]) => {
    const x = requireInput(node, inputs, 0, 'X');
    requireFloat(node, x, 'X');
    return [{ dtype: 'float32', shape: outShape(node, x.shape) }];
  },
  evaluate: (node, [x]: (Value | undefined)[]) => {
    const shape = x!.shape;
    const planes = shape[0] * shape[1];
    const size = elementCount(shape.slice(2));
    const xs = x!.data as Float32Array;
    const out = new Float32Array(planes);
    for (let c = 0; c < planes; c++) {
      let s = 0;
      for (let i = 0; i < size; i++) s += xs[c * size + i];
      out[c] = s / size;
    }
    return [{ dtype: 'float32', shape: outShape(node, shape), data: out }];
  },
};
