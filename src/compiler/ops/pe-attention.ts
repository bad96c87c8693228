// pe.Attention: multi-head scaled-dot-product self-attention core (see ir/fused-ops.md for the layout).
import type { AttentionAttrs, AttentionOperand } from '../ir/fused-ops.ts';
import type { OpDef } from './types.ts';
import { fmtShape, requireFloat, requireInput, shapeError } from './support.ts';

export const Attention: OpDef<AttentionAttrs> = {
  infer: (node, inputs) => {
    const { heads, headDim, tokens } = node.attrs;
    (['q', 'k', 'v'] as const).forEach((role, i) => {
      const x = requireInput(node, inputs, i, role);
      requireFloat(node, x, role);
      const op: AttentionOperand = node.attrs[role];
      const cols = x.shape[x.shape.length - 1];
      const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      if (rows !== tokens || op.offset + (heads - 1) * op.headStride + headDim > cols) {
        throw shapeError(node, `${role} operand ${fmtShape(x.shape)} does not hold ${heads} heads of ${headDim} at offset ${op.offset}, stride ${op.headStride} for ${tokens} tokens`);
      }
    });
    return [{ dtype: 'float32', shape: [1, tokens, heads * headDim] }];
  },
  evaluate: (node, [q, k, v]) => {
    const { heads: H, headDim: D, tokens: T, scale } = node.attrs;
    const qd = q!.data as Float32Array, kd = k!.data as Float32Array, vd = v!.data as Float32Array;
    const qc = q!.shape[q!.shape.length - 1], kc = k!.shape[k!.shape.length - 1], vc = v!.shape[v!.shape.length - 1];
    const at = (d: Float32Array, cols: number, op: AttentionOperand, t: number, h: number, j: number): number => d[t * cols + op.offset + h * op.headStride + j];
    const out = new Float32Array(T * H * D);
    const logits = new Float64Array(T);
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        let m = -Infinity;
        for (let s = 0; s < T; s++) {
          let dot = 0;
          for (let j = 0; j < D; j++) dot += at(qd, qc, node.attrs.q, t, h, j) * at(kd, kc, node.attrs.k, s, h, j);
          logits[s] = dot * scale;
          m = Math.max(m, logits[s]);
        }
        let sum = 0;
        for (let s = 0; s < T; s++) sum += logits[s] = Math.exp(logits[s] - m);
        for (let j = 0; j < D; j++) {
          let acc = 0;
          for (let s = 0; s < T; s++) acc += (logits[s] / sum) * at(vd, vc, node.attrs.v, s, h, j);
          out[t * H * D + h * D + j] = acc;
        }
      }
    }
    return [{ dtype: 'float32', shape: [1, T, H * D], data: out }];
  },
};
