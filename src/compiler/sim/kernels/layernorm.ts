// Mirror of pk_layernorm_*: integer mean, variance in int64, digit-by-digit integer square root, one
// reciprocal per row, int16 gamma, int32 beta, one final requantization (formulas in pose_kernels.h and
// docs/fixed-point.md). Row-level quantities use BigInt (the variance reaches 2^53); the per-element
// products stay below 2^53 and use doubles.
import { checkInt32, FixedPointError, requant, saturate } from '../../quant/fixed-point.ts';
import { need, type Act, type OutRange } from './common.ts';

export interface LayerNormParams extends OutRange {
  T: number;
  d: number;
  xStride: number;
  yStride: number;
  /** lnEpsQ(): round(eps d^3 2^E / s_x^2), below 2^56 */
  epsQ: number | bigint;
  gamma: Int16Array;
  beta: Int32Array;
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
  if (d > 128) throw new FixedPointError(`layernorm: d = ${d} exceeds the kernel limit of 128`);
  if (epsQ < 0n || epsQ >= 1n << 56n) throw new FixedPointError(`layernorm: eps_q ${epsQ} outside [0, 2^56)`);
  if (p.T > 0) {
    need(x, (p.T - 1) * p.xStride + d, 'layernorm x');
    need(y, (p.T - 1) * p.yStride + d, 'layernorm y');
  }
  need(p.gamma, d, 'layernorm gamma');
  need(p.beta, d, 'layernorm beta');
  const e = lnEpsFracBits(x instanceof Int8Array ? 8 : 16);
  const preDiv = 2 ** p.preShift;
  const preHalf = p.preShift > 0 ? 2 ** (p.preShift - 1) : 0;
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
      const c = d * x[xr + i] - sum; // |c| < 2^23 and r <= 2^30: the product is exact
      const tq = Math.floor((c * r + hHalf) / hDiv);
      const acc = Math.floor((tq * p.gamma[i] + preHalf) / preDiv) + p.beta[i];
      checkInt32(acc, `layernorm row ${t} element ${i}`);
      y[t * p.yStride + i] = saturate(requant(acc, p.mult, p.shift), p.outMin, p.outMax);
    }
  }
}
