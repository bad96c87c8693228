// Mirror of pk_linear_w4_* / pk_linear_w8_*: y[t][o] = sat(requant(bias[o] + sum_i x[t][i] w[o][i])).
// The C kernels block tokens and (int8 x int4) pack two rows per register; the integer sums are the same,
// so one plain loop mirrors all of them.
import { checkInt32, FixedPointError, int4At, int4R4At, requant, saturate } from '../../quant/fixed-point.ts';
import { need, type Act, type OutRange } from '../common.ts';

export interface LinearParams extends OutRange {
  T: number;
  in: number;
  xStride: number;
  out: number;
  /** int16; the accumulator starts at bias[o] * 2^biasShift. */
  bias: Int16Array | null;
  biasShift: number;
  mult: ArrayLike<number>;
  shift: ArrayLike<number>;
  perRow: boolean;
  yStride: number;
}

/** The accumulator's start value of row o: bias[o] * 2^biasShift (0 without a bias), as PK_BIAS. */
export function biasAt(bias: Int16Array | null, biasShift: number, o: number): number {
  return bias ? bias[o] * 2 ** biasShift : 0;
}

export { int4At };

function linear(x: Act, row: (o: number, into: Int32Array) => void, p: LinearParams, y: Act, what: string): void {
  if (p.T < 1 || p.in < 1 || p.out < 1) return;
  need(x, (p.T - 1) * p.xStride + p.in, `${what} x`);
  need(y, (p.T - 1) * p.yStride + p.out, `${what} y`);
  if (p.bias) need(p.bias, p.out, `${what} bias`);
  need(p.mult, p.perRow ? p.out : 1, `${what} mult`);
  need(p.shift, p.perRow ? p.out : 1, `${what} shift`);
  const wr = new Int32Array(p.in);
  for (let o = 0; o < p.out; o++) {
    row(o, wr);
    const b = biasAt(p.bias, p.biasShift, o);
    const qm = p.mult[p.perRow ? o : 0];
    const qs = p.shift[p.perRow ? o : 0];
    for (let t = 0; t < p.T; t++) {
      const xr = t * p.xStride;
      let acc = b;
      for (let i = 0; i < p.in; i++) acc += x[xr + i] * wr[i];
      checkInt32(acc, `${what} row ${o} token ${t}`);
      y[t * p.yStride + o] = saturate(requant(acc, qm, qs), p.outMin, p.outMax);
    }
  }
}

/** int4 weights, rows of (in + 1) / 2 bytes (see packInt4Rows). */
export function linearW4(x: Act, w: Uint8Array, p: LinearParams, y: Act): void {
  const rowBytes = (p.in + 1) >> 1;
  need(w, p.out * rowBytes, 'linear_w4 weights');
  const row = (o: number, into: Int32Array): void => {
    for (let i = 0; i < p.in; i++) into[i] = int4At(w[o * rowBytes + (i >> 1)], (i & 1) as 0 | 1);
  };
  linear(x, row, p, y, 'linear_w4');
}

/** int8 weights [out][in]. */
export function linearW8(x: Act, w: Int8Array, p: LinearParams, y: Act): void {
  need(w, p.out * p.in, 'linear_w8 weights');
  const row = (o: number, into: Int32Array): void => {
    for (let i = 0; i < p.in; i++) into[i] = w[o * p.in + i];
  };
  linear(x, row, p, y, 'linear_w8');
}

/**
 * Mirror of pk_linear_w4r4_i8_* / pk_linear_w4r4_i16_* / pk_linear_w4r4_wide_*: int4 weights in the w4r4 layout
 * (packInt4R4). With xq (the i16 forms), each int16 input is first requantized to int8, sat(requant(x,
 * xq.mult, xq.shift), -128, 127), and the sums are over those; `group` (the node's lane flush interval) must
 * keep every row's sum over each group of pairs within int16 for any int8 input (128 sum |w| <= 32767), which
 * this checks. The wide forms (group null) take x as it is.
 */
export function linearW4R4(x: Act, xq: { mult: number; shift: number } | null, w: Uint32Array, p: LinearParams & { group: number | null }, y: Act): void {
  const pairs = (p.in + 1) >> 1;
  need(w, ((p.out + 3) >> 2) * pairs, 'linear_w4r4 weights');
  const group = p.group;
  if (group !== null) {
    if (!(group >= 1)) throw new FixedPointError(`linear_w4r4: group ${group} is not a positive number of input pairs`);
    for (let o = 0; o < p.out; o++) {
      for (let s0 = 0; s0 < p.in; s0 += 2 * group) {
        let sum = 0;
        for (let i = s0; i < Math.min(p.in, s0 + 2 * group); i++) sum += Math.abs(int4R4At(w, pairs, o, i));
        if (128 * sum > 32767) {
          throw new FixedPointError(`linear_w4r4: row ${o}, inputs ${s0}..${Math.min(p.in, s0 + 2 * group) - 1}: a group of ${group} pairs lets a 16-bit lane reach ${128 * sum}`);
        }
      }
    }
  }
  let xv = x;
  if (xq) {
    xv = new Int8Array(x.length);
    for (let i = 0; i < x.length; i++) xv[i] = saturate(requant(x[i], xq.mult, xq.shift), -128, 127);
  }
  const row = (o: number, into: Int32Array): void => {
    for (let i = 0; i < p.in; i++) into[i] = int4R4At(w, pairs, o, i);
  };
  linear(xv, row, p, y, 'linear_w4r4');
}
