// Mirror of pk_gru_wW_i16 (templates/c/kernels/pk_gru.h): the GRU in integers. Gate pre-activations are int16
// at scale G = 2^-11 (GRU_G_BITS); sigmoid reads a 257-point table over [-16, 16) (steps of 1/8), tanh one over
// [-8, 8) (steps of 1/16), both interpolated, both in Q15; h is Q15.
import { saturate } from '../../quant/fixed-point.ts';
import { need, type Act } from '../common.ts';
import { linearW4, linearW8 } from '../linear/sim.ts';

/** Fraction bits of the gate pre-activations (int16 at scale 2^-11: +-16). */
export const GRU_G_BITS = 11;

/** Sigmoid of a pre-activation v (int32 at 2^-11) from its table: u = v + 2^15 in [0, 2^16), 256 codes a step. */
export function gruSigmoid(v: number, t: Int16Array): number {
  const u = saturate(v + 32768, 0, 65535);
  const i = u >> 8;
  return t[i] + ((((t[i + 1] - t[i]) * (u & 255)) + 128) >> 8);
}

/** Tanh of a pre-activation v (int32 at 2^-11) from its table: u = v + 2^14 in [0, 2^15), 128 codes a step. */
export function gruTanh(v: number, t: Int16Array): number {
  const u = saturate(v + 16384, 0, 32767);
  const i = u >> 7;
  return t[i] + ((((t[i + 1] - t[i]) * (u & 127)) + 64) >> 7);
}

/** round(a b / 2^15) for Q15 b, as the C computes it (floor of a b + 2^14, arithmetic shift). */
function q15mul(a: number, b: number): number {
  return Math.floor((a * b + 16384) / 32768);
}

export interface GruParams {
  T: number; I: number; H: number; lbr: number;
  w: Uint8Array | Int8Array; wb: Int16Array | null; wbShift: number; wMult: Int32Array; wShift: Int8Array;
  r: Uint8Array | Int8Array; rMult: Int32Array; rShift: Int8Array; rbn: Int16Array | null;
  sig: Int16Array; tanh: Int16Array;
}

export function gru(x: Act, p: GruParams, y: Int16Array | null, yh: Int16Array | null): void {
  const { T, I, H, lbr } = p;
  need(x, T * I, 'gru x');
  if (y) need(y, T * H, 'gru y');
  if (yh) need(yh, H, 'gru y_h');
  need(p.sig, 257, 'gru sigmoid table');
  need(p.tanh, 257, 'gru tanh table');
  const linear = (xs: Act, rows: number, inF: number, w: Uint8Array | Int8Array, rowOff: number, bias: Int16Array | null, biasShift: number, mult: Int32Array, shift: Int8Array, tokens: number, out: Int16Array): void => {
    const rowBytes = w instanceof Uint8Array ? (inF + 1) >> 1 : inF;
    const params = {
      T: tokens, in: inF, xStride: inF, out: rows, yStride: rows, bias: bias ? bias.subarray(rowOff) : null, biasShift,
      mult: mult.subarray(rowOff), shift: shift.subarray(rowOff), perRow: true, outMin: -32768, outMax: 32767,
    };
    if (w instanceof Uint8Array) linearW4(xs, w.subarray(rowOff * rowBytes), params, out);
    else linearW8(xs, w.subarray(rowOff * rowBytes), params, out);
  };
  // The input projections of every step at once: xp[t][j] = W x_t + Wb (+ the recurrent biases that fold in).
  const xp = new Int16Array(T * 3 * H);
  linear(x, 3 * H, I, p.w, 0, p.wb, p.wbShift, p.wMult, p.wShift, T, xp);
  const hp = new Int16Array(3 * H);
  const z = new Int16Array(H);
  const rg = new Int16Array(H);
  const rh = new Int16Array(H);
  let h = new Int16Array(H);
  for (let t = 0; t < T; t++) {
    const xt = xp.subarray(t * 3 * H);
    // Recurrent products of z and r (and, with linear_before_reset, of the candidate): no bias, h in Q15.
    linear(h, lbr ? 3 * H : 2 * H, H, p.r, 0, null, 0, p.rMult, p.rShift, 1, hp);
    for (let k = 0; k < H; k++) {
      z[k] = gruSigmoid(xt[k] + hp[k], p.sig);
      rg[k] = gruSigmoid(xt[H + k] + hp[H + k], p.sig);
    }
    if (!lbr) {
      for (let k = 0; k < H; k++) rh[k] = q15mul(rg[k], h[k]);
      linear(rh, H, H, p.r, 2 * H, null, 0, p.rMult, p.rShift, 1, hp.subarray(2 * H));
    }
    const next = new Int16Array(H);
    for (let k = 0; k < H; k++) {
      const pre = lbr ? xt[2 * H + k] + q15mul(rg[k], hp[2 * H + k] + (p.rbn ? p.rbn[k] : 0)) : xt[2 * H + k] + hp[2 * H + k];
      const n = gruTanh(pre, p.tanh);
      next[k] = n + q15mul(z[k], h[k] - n);
    }
    h = next;
    if (y) y.set(h, t * H);
  }
  if (yh) yh.set(h);
}
