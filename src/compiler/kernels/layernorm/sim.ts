// Mirror of pk_layernorm_*: integer mean, variance in int64, digit-by-digit integer square root, one
// reciprocal per row, int16 gamma, int16 beta, one final requantization (formulas in pose_kernels.h and
// docs/fixed-point.md). Row-level quantities use BigInt (the variance reaches 2^54); the per-element
// products use doubles where they stay below 2^53 and BigInt where they may not (c R for |c| >= 2^23).
import { checkInt32, FixedPointError, requant, roundHalfAway, saturate } from '../../quant/fixed-point.ts';
import { need, type Act, type OutRange } from '../common.ts';

export interface LayerNormParams extends OutRange {
  T: number;
  d: number;
  xStride: number;
  yStride: number;
  /** lnEpsQ(): round(eps d^3 2^E / s_x^2), below 2^56 */
  epsQ: number | bigint;
  gamma: Int16Array;
  /** int16 in accumulator units 2^(preShift-30) sqrt(d) s_g (lnBeta picks preShift so that it fits) */
  beta: Int16Array;
  /** in [LN_PRE_SHIFT_MIN, LN_PRE_SHIFT_MAX] */
  preShift: number;
  mult: number;
  shift: number;
}

/** floor(sqrt(v)) for 0 <= v < 2^64. */
export function isqrt64(v: bigint): bigint {
  let res = 0n;
  let bit = 1n << 62n;
  while (bit > v) bit >>= 2n;
  while (bit !== 0n) {
    if (v >= res + bit) {
      v -= res + bit;
      res = (res >> 1n) + bit;
    } else {
      res >>= 1n;
    }
    bit >>= 2n;
  }
  return res;
}

const TWO60 = 1n << 60n;

/**
 * The widest normalized axis. |c_i| = |d x_i - S| <= d 2^16 (int16 x), so V = sum c_i^2 <= d^3 2^32 and
 * W = V 2^8 + eps_q (eps_q < 2^56) stays below 2^62, the range the square root takes, up to d = 160
 * (161^3 2^40 + 2^56 > 2^62); int8 inputs (W <= d^3 2^36 + eps_q) have far more room.
 */
export const LN_MAX_D = 160;

/** The kernel's pre_shift range: >= 16 keeps |t gamma| / 2^pre_shift + |beta| below 2^31 for any int16 beta. */
export const LN_PRE_SHIFT_MIN = 16;
export const LN_PRE_SHIFT_MAX = 32;

/**
 * beta in the kernel's accumulator unit s_acc = 2^(p-30) sqrt(d) s_g at the smallest pre_shift p in
 * [LN_PRE_SHIFT_MIN, LN_PRE_SHIFT_MAX] at which every value rounds into int16 (the finest accumulator unit
 * int16 beta allows), or null when even p = 32 is too fine (|beta| > ~4 sqrt(d) max|gamma|).
 */
export function lnBeta(beta: ArrayLike<number>, d: number, sg: number): { preShift: number; sAcc: number; beta: Int16Array } | null {
  for (let p = LN_PRE_SHIFT_MIN; p <= LN_PRE_SHIFT_MAX; p++) {
    const sAcc = 2 ** (p - 30) * Math.sqrt(d) * sg;
    const q = Array.from(beta, (v) => roundHalfAway(v / sAcc));
    if (q.every((v) => v >= -32768 && v <= 32767)) return { preShift: p, sAcc, beta: Int16Array.from(q) };
  }
  return null;
}

/** Fraction bits of eps_q by input type (PK_LN_EPS_FRAC_I8 / _I16): V 2^E stays below 2^61. */
export function lnEpsFracBits(xBits: 8 | 16): number {
  return xBits === 8 ? 20 : 8;
}

/** eps_q = round(eps d^3 2^E / s_x^2): the kernel's eps, in the unit of its scaled variance. */
export function lnEpsQ(eps: number, d: number, sx: number, xBits: 8 | 16): bigint {
  const v = (eps * d ** 3 * 2 ** lnEpsFracBits(xBits)) / (sx * sx);
  if (!(v < 2 ** 56) || v < 0) {
    throw new FixedPointError(`layernorm: eps ${eps} at input scale ${sx} gives eps_q ${v}, outside [0, 2^56)`);
  }
  return BigInt(Math.round(v));
}

/** The per-row normalizer: R = floor(2^60 / isqrt(W 4^a)) and the shift h = 30 - E/2 - a (see the header). */
export function rowNormalizer(variance: bigint, epsQ: bigint, e: number): { r: number; h: number } {
  const one = 1n << BigInt(e);
  let w = (variance << BigInt(e)) + epsQ;
  if (w < one) w = one;
  let a = 0n;
  while (w << (2n * a) < TWO60) a++;
  const r = TWO60 / isqrt64(w << (2n * a));
  return { r: Number(r), h: 30 - e / 2 - Number(a) };
}

export function layerNorm(x: Act, p: LayerNormParams, y: Act): void {
  const { d } = p;
  const epsQ = BigInt(p.epsQ);
  if (d > LN_MAX_D) throw new FixedPointError(`layernorm: d = ${d} exceeds the kernel limit of ${LN_MAX_D}`);
  if (epsQ < 0n || epsQ >= 1n << 56n) throw new FixedPointError(`layernorm: eps_q ${epsQ} outside [0, 2^56)`);
  if (!(p.preShift >= LN_PRE_SHIFT_MIN && p.preShift <= LN_PRE_SHIFT_MAX)) {
    throw new FixedPointError(`layernorm: pre_shift ${p.preShift} outside [${LN_PRE_SHIFT_MIN}, ${LN_PRE_SHIFT_MAX}]`);
  }
  if (p.T > 0) {
    need(x, (p.T - 1) * p.xStride + d, 'layernorm x');
    need(y, (p.T - 1) * p.yStride + d, 'layernorm y');
  }
  need(p.gamma, d, 'layernorm gamma');
  need(p.beta, d, 'layernorm beta');
  const e = lnEpsFracBits(x instanceof Int8Array ? 8 : 16);
  const preDiv = 2 ** p.preShift;
  const preHalf = 2 ** (p.preShift - 1);
  for (let t = 0; t < p.T; t++) {
    const xr = t * p.xStride;
    let sum = 0;
    for (let i = 0; i < d; i++) sum += x[xr + i];
    let variance = 0n;
    for (let i = 0; i < d; i++) {
      const c = d * x[xr + i] - sum;
      variance += BigInt(c * c);
    }
    const { r, h } = rowNormalizer(variance, epsQ, e);
    const hDiv = 2 ** h;
    const hHalf = h > 0 ? 2 ** (h - 1) : 0;
    for (let i = 0; i < d; i++) {
      const c = d * x[xr + i] - sum; // |c| <= d 2^16 and r <= 2^30: exact in doubles while |c| < 2^23
      const tq = Math.abs(c) < 2 ** 23 ? Math.floor((c * r + hHalf) / hDiv) : Number((BigInt(c) * BigInt(r) + BigInt(hHalf)) >> BigInt(h));
      const acc = Math.floor((tq * p.gamma[i] + preHalf) / preDiv) + p.beta[i];
      checkInt32(acc, `layernorm row ${t} element ${i}`);
      y[t * p.yStride + i] = saturate(requant(acc, p.mult, p.shift), p.outMin, p.outMax);
    }
  }
}
