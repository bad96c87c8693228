// Mirror of pk_attention_pool_*: softmax over the per-token scores, then the probability-weighted sum of
// the tokens, one requantization.
import { checkInt32, FixedPointError, requant, saturate } from '../../quant/fixed-point.ts';
import { need, type Act, type OutRange } from '../common.ts';
import { softmaxRow } from '../softmax/sim.ts';

export interface AttentionPoolParams extends OutRange {
  T: number;
  d: number;
  xStride: number;
  smMult: number;
  smShift: number;
  mult: number;
  shift: number;
}

/** p = softmax(scores), y_c = sat(requant(sum_t p_t x_tc)). */
export function attentionPool(x: Act, scores: Int16Array, p: AttentionPoolParams, y: Act): void {
  if (p.T > 128) throw new FixedPointError(`attention_pool: ${p.T} tokens exceed the softmax limit of 128`);
  need(x, (p.T - 1) * p.xStride + p.d, 'attention_pool x');
  need(scores, p.T, 'attention_pool scores');
  need(y, p.d, 'attention_pool y');
  const probs = new Int32Array(p.T);
  softmaxRow(scores, p.T, p.smMult, p.smShift, probs);
  for (let c = 0; c < p.d; c++) {
    let acc = 0;
    for (let t = 0; t < p.T; t++) acc += probs[t] * x[t * p.xStride + c];
    y[c] = saturate(requant(checkInt32(acc, `attention_pool column ${c}`), p.mult, p.shift), p.outMin, p.outMax);
  }
}
