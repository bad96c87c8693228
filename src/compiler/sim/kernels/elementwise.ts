// Mirrors of the element-wise kernels: pk_add_*, pk_relu_*, pk_lut8_*, pk_lut16_interp_*.
import { FixedPointError, saturate } from '../../quant/fixed-point.ts';
import { need, type Act } from './common.ts';

/**
 * pk_add: y = sat(floor((a multA + b multB + 2^(n-1)) / 2^n)), n = 31 + shift. |a|, |b| < 2^15 and
 * mult < 2^31 keep each product below 2^46; the sum stays exact in doubles when n <= 52, else BigInt.
 */
export function addRequant(
  a: Act, b: Act, n: number, multA: number, multB: number, shift: number, outMin: number, outMax: number, y: Act,
): void {
  need(a, n, 'add a');
  need(b, n, 'add b');
  need(y, n, 'add y');
  const sh = 31 + shift;
  if (sh <= 52) {
    const half = 2 ** (sh - 1);
    const div = 2 ** sh;
    for (let i = 0; i < n; i++) y[i] = saturate(Math.floor((a[i] * multA + b[i] * multB + half) / div), outMin, outMax);
    return;
  }
  const bs = BigInt(sh);
  const bhalf = 1n << (bs - 1n);
  for (let i = 0; i < n; i++) {
    const v = (BigInt(a[i]) * BigInt(multA) + BigInt(b[i]) * BigInt(multB) + bhalf) >> bs;
    y[i] = saturate(Number(v), outMin, outMax);
  }
}

/** pk_relu: y may be x. */
export function relu(x: Act, n: number, y: Act): void {
  for (let i = 0; i < n; i++) y[i] = x[i] < 0 ? 0 : x[i];
}

/** pk_lut8: y = table[x + 128]. */
export function lut8(x: Int8Array, n: number, table: Act, y: Act): void {
  if (table.length !== 256) throw new FixedPointError(`lut8: table has ${table.length} entries, expected 256`);
  for (let i = 0; i < n; i++) y[i] = table[x[i] + 128];
}

/**
 * pk_lut16_interp: u = x + 32768, j = u >> 8, r = u & 255, y = t[j] + floor(((t[j+1] - t[j]) r + 128) / 256).
 * Every table entry must fit the output type (then so does every interpolated value); checked here
 * because the C cast would silently wrap.
 */
export function lut16Interp(x: Int16Array, n: number, table: Int16Array, y: Act): void {
  if (table.length !== 257) throw new FixedPointError(`lut16_interp: table has ${table.length} entries, expected 257`);
  if (y instanceof Int8Array) {
    for (let j = 0; j < 257; j++) {
      if (table[j] < -128 || table[j] > 127) {
        throw new FixedPointError(`lut16_interp: table[${j}] = ${table[j]} does not fit the int8 output`);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    const u = x[i] + 32768;
    const j = u >> 8;
    const t0 = table[j];
    y[i] = t0 + Math.floor(((table[j + 1] - t0) * (u & 255) + 128) / 256);
  }
}
