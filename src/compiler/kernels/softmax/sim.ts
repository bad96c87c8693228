// Mirror of pk_exp_q24 and pk_softmax_row_*: base-2 exponent from one requantization, 257-entry 2^-f
// table with linear interpolation, one divide per row, Q0.15 probabilities.
import { FixedPointError, requant } from '../../quant/fixed-point.ts';

/** round(2^30 * 2^(-k/256)), k = 0..256: the literal table pk_exp2_neg_q30 of pose_kernels.h. */
export const EXP2_NEG_Q30: readonly number[] = Array.from({ length: 257 }, (_, k) => Math.round(2 ** 30 * 2 ** (-k / 256)));

const CLAMP = 0x7fffffff;
const UNDERFLOW_Q16 = 25 * 65536;

/** exp(-diff s) in Q24 for diff >= 0; (mult, shift) encodes s log2(e) 2^16. */
export function expQ24(diff: number, mult: number, shift: number): number {
  const v = requant(diff > CLAMP ? CLAMP : diff, mult, shift);
  if (v >= UNDERFLOW_Q16) return 0;
  const ip = Math.floor(v / 65536);
  const r = v - ip * 65536;
  const j = r >> 8;
  const t0 = EXP2_NEG_Q30[j];
  const t = t0 - Math.floor(((t0 - EXP2_NEG_Q30[j + 1]) * (r & 255) + 128) / 256);
  return Math.floor((t + 2 ** (ip + 5)) / 2 ** (ip + 6));
}

/** floor((e recip + 2^39) / 2^40) without leaving exact doubles: recip split at 2^16. */
function probability(e: number, recip: number): number {
  const rh = Math.floor(recip / 65536);
  const rl = recip - rh * 65536;
  return Math.floor((e * rh + Math.floor((e * rl + 2 ** 39) / 65536)) / 2 ** 24);
}

/**
 * p_j = min(32767, floor((e_j R + 2^39) / 2^40)), e_j = expQ24(max - x_j), R = floor(2^55 / sum e).
 * n <= 128. p may be x (the in-place variant used by attention and pooling).
 */
export function softmaxRow(
  x: ArrayLike<number>, n: number, mult: number, shift: number, p: Int16Array | Int32Array,
): void {
  if (n < 1 || n > 128) throw new FixedPointError(`softmax_row: n = ${n} outside 1..128`);
  if (x.length < n || p.length < n) throw new FixedPointError(`softmax_row: buffers of ${x.length} and ${p.length} elements, the call needs ${n}`);
  let mx = x[0];
  for (let j = 1; j < n; j++) if (x[j] > mx) mx = x[j];
  let sum = 0;
  for (let j = 0; j < n; j++) sum += expQ24(mx - x[j], mult, shift);
  const recip = Number((1n << 55n) / BigInt(sum));
  for (let j = 0; j < n; j++) {
    const q = probability(expQ24(mx - x[j], mult, shift), recip);
    p[j] = q > 32767 ? 32767 : q;
  }
}
