// pe.AttentionPool: softmax over the token scores, then the score-weighted sum of the token vectors.
import type { AttentionPoolAttrs } from '../ir/fused-ops.ts';
import type { OpDef } from './types.ts';
import { elementCount } from '../ir/helpers.ts';
import { fmtShape, requireFloat, requireInput, shapeError } from './support.ts';

export const AttentionPool: OpDef<AttentionPoolAttrs> = {
  infer: (node, inputs) => {
    const x = requireInput(node, inputs, 0, 'x');
    const s = requireInput(node, inputs, 1, 'scores');
    requireFloat(node, x, 'x');
    requireFloat(node, s, 'scores');
    const { tokens, dim } = node.attrs;
    if (elementCount(x.shape) !== tokens * dim || x.shape[x.shape.length - 1] !== dim) throw shapeError(node, `x ${fmtShape(x.shape)} is not ${tokens} tokens of ${dim}`);
    if (elementCount(s.shape) !== tokens) throw shapeError(node, `scores ${fmtShape(s.shape)} do not have ${tokens} values`);
    return [{ dtype: 'float32', shape: [1, dim] }];
  },
  evaluate: (node, [x, s]) => {
    const { tokens: T, dim: D } = node.attrs;
    const xd = x!.data as Float32Array, sd = s!.data as Float32Array;
    let m = -Infinity;
    for (let t = 0; t < T; t++) m = Math.max(m, sd[t]);
    const p = new Float64Array(T);
    let sum = 0;
    for (let t = 0; t < T; t++) sum += p[t] = Math.exp(sd[t] - m);
    const out = new Float32Array(D);
    for (let j = 0; j < D; j++) {
      let acc = 0;
      for (let t = 0; t < T; t++) acc += (p[t] / sum) * xd[t * D + j];
      out[j] = acc;
    }
    return [{ dtype: 'float32', shape: [1, D], data: out }];
  },
};
