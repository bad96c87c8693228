// pe.MatMulConst: a constant matrix A [rows, inner] times an activation [1, inner, cols] from the left
// (the skeleton-graph refinement's adjacency product over the keypoint axis).
import type { MatMulConstAttrs } from '../ir/fused-ops.ts';
import type { OpDef } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { fmtShape, requireFloat, requireInput, shapeError } from './support.ts';

export const MatMulConst: OpDef<MatMulConstAttrs> = {
  infer: (node, inputs) => {
    const a = requireInput(node, inputs, 0, 'A');
    const x = requireInput(node, inputs, 1, 'x');
    requireFloat(node, x, 'x');
    const { rows, inner, cols } = node.attrs;
    if (a.shape.length !== 2 || a.shape[0] !== rows || a.shape[1] !== inner) throw shapeError(node, `A ${fmtShape(a.shape)} is not [${rows},${inner}]`);
    if (elementCount(x.shape) !== inner * cols || x.shape[x.shape.length - 1] !== cols) throw shapeError(node, `x ${fmtShape(x.shape)} is not [${inner},${cols}]`);
    return [{ dtype: 'float32', shape: [1, rows, cols] }];
  },
  evaluate: (node, [a, x]) => {
    const { rows, inner, cols } = node.attrs;
    const ad = a!.data as Float32Array, xd = x!.data as Float32Array;
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let s = 0;
        for (let i = 0; i < inner; i++) s += ad[r * inner + i] * xd[i * cols + c];
        out[r * cols + c] = s;
      }
    }
    return [{ dtype: 'float32', shape: [1, rows, cols], data: out }];
  },
};
