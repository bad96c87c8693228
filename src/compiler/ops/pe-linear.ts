// pe.Linear: y[t,o] = sum_i X[t,i] W[o,i] + b[o], W in PyTorch [out,in] layout, optional input permutation.
import type { LinearAttrs } from '../ir/fused-ops.ts';
import type { OpDef } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { fmtShape, requireFloat, requireInput, shapeError, transposeIndex } from './support.ts';

/** x.shape[:-1] + [out]; with an input permutation the rows are the tokens: [1, tokens, out]. */
export function outputShape(xShape: readonly number[], a: LinearAttrs): number[] {
  return a.inputPerm ? [1, a.tokens, a.outFeatures] : [...xShape.slice(0, -1), a.outFeatures];
}

export const Linear: OpDef<LinearAttrs> = {
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'x');
    const w = requireInput(node, inputs, 1, 'W');
    requireFloat(node, x, 'x');
    const { inFeatures, outFeatures, tokens, inputPerm } = node.attrs;
    if (w.shape.length !== 2 || w.shape[0] !== outFeatures || w.shape[1] !== inFeatures) {
      throw shapeError(node, `weight ${fmtShape(w.shape)} is not [${outFeatures},${inFeatures}]`);
    }
    if (elementCount(x.shape) !== tokens * inFeatures) throw shapeError(node, `input ${fmtShape(x.shape)} is not ${tokens} tokens of ${inFeatures}`);
    if (inputPerm) {
      // The features of a token must be whole trailing axes of the permuted input (proj: 3 x 114 = 342).
      const eff = inputPerm.map((p) => x.shape[p]);
      let suffix = 1;
      for (let i = eff.length - 1; i >= 0 && suffix < inFeatures; i--) suffix *= eff[i];
      if (suffix !== inFeatures) throw shapeError(node, `the trailing axes of the permuted input ${fmtShape(eff)} do not make ${inFeatures} features`);
    } else if (x.shape[x.shape.length - 1] !== inFeatures) {
      throw shapeError(node, `the input's last axis is ${x.shape[x.shape.length - 1]}, not ${inFeatures}`);
    }
    const b = inputs[2];
    if (b && elementCount(b.shape) !== outFeatures) throw shapeError(node, `bias ${fmtShape(b.shape)} does not have ${outFeatures} values`);
    return [{ dtype: 'float32', shape: outputShape(x.shape, node.attrs) }];
  },
  evaluate: (node, [x, w, b]) => {
    const { inFeatures: k, outFeatures: n, tokens, inputPerm } = node.attrs;
    let xs = x!.data as Float32Array;
    if (inputPerm) {
      const t = transposeIndex(x!.shape, inputPerm);
      const moved = new Float32Array(xs.length);
      for (let i = 0; i < moved.length; i++) moved[i] = xs[t.index[i]];
      xs = moved;
    }
    const ws = w!.data as Float32Array, bs = b?.data as Float32Array | undefined;
    const out = new Float32Array(tokens * n);
    for (let t = 0; t < tokens; t++) {
      for (let o = 0; o < n; o++) {
        let s = 0;
        for (let i = 0; i < k; i++) s += xs[t * k + i] * ws[o * k + i];
        out[t * n + o] = s + (bs ? bs[o] : 0);
      }
    }
    return [{ dtype: 'float32', shape: outputShape(x!.shape, node.attrs), data: out }];
  },
};
