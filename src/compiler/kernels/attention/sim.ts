// Mirror of pk_attention_* (the multi-head self-attention core). Arrays stand for C pointers: pass
// subarray views for q, k, v column offsets.
import { checkInt32, FixedPointError, requant, saturate } from '../../quant/fixed-point.ts';
import { need, type Act, type OutRange } from '../common.ts';
import { softmaxRow } from '../softmax/sim.ts';

export interface AttentionParams extends OutRange {
  ld: number;
  T: number;
  H: number;
  hd: number;
  logitShift: number;
  smMult: number;
  smShift: number;
  mult: number;
  shift: number;
  yStride: number;
}

/**
 * Per head h and query t: logit_j = floor((q_t . k_j + 2^(ls-1)) / 2^ls) over the head's columns,
 * p = softmax(logit), y_tc = sat(requant(sum_j p_j v_jc)). The dot products stay below 2^53 (hd 2^30).
 */
export function attention(q: Act, k: Act, v: Act, p: AttentionParams, y: Act): void {
  const { ld, T, hd } = p;
  if (T > 128) throw new FixedPointError(`attention: ${T} tokens exceed the softmax limit of 128`);
  const lastRow = (T - 1) * ld + p.H * hd;
  need(q, lastRow, 'attention q');
  need(k, lastRow, 'attention k');
  need(v, lastRow, 'attention v');
  need(y, (T - 1) * p.yStride + p.H * hd, 'attention y');
  const half = p.logitShift > 0 ? 2 ** (p.logitShift - 1) : 0;
  const div = 2 ** p.logitShift;
  const scratch = new Int32Array(T);
  const logits = new Array<number>(T);
  for (let h = 0; h < p.H; h++) {
    const col = h * hd;
    for (let t = 0; t < T; t++) {
      const qr = t * ld + col;
      for (let j = 0; j < T; j++) {
        const kr = j * ld + col;
        let acc = 0;
        for (let c = 0; c < hd; c++) acc += q[qr + c] * k[kr + c];
        logits[j] = checkInt32(Math.floor((acc + half) / div), `attention head ${h} logit [${t}][${j}]`);
      }
      softmaxRow(logits, T, p.smMult, p.smShift, scratch);
      for (let c = 0; c < hd; c++) {
        let acc = 0;
        for (let j = 0; j < T; j++) acc += scratch[j] * v[j * ld + col + c];
        y[t * p.yStride + col + c] = saturate(requant(acc, p.mult, p.shift), p.outMin, p.outMax);
      }
    }
  }
}
