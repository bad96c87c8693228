// Mirrors of pk_lut8_* (a 256-entry table) and pk_lut16_interp_* (257 samples, linear interpolation):
// GELU, tanh and sigmoid as tables built at compile time from the exact float function.
import { FixedPointError } from '../../quant/fixed-point.ts';
import type { Act } from '../common.ts';

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

/**
 * pk_lut16_range: a 257-point table over 256 << shift codes from `lo` (a bounded function's active range; the
 * function is constant outside it): u = clamp(x - lo, 0, (256 << shift) - 1), j = u >> shift,
 * r = u & ((1 << shift) - 1), y = t[j] + floor(((t[j+1] - t[j]) r + 2^(shift-1)) / 2^shift) (shift 0: y = t[j]).
 */
export function lut16Range(x: Int16Array, n: number, table: Int16Array, lo: number, shift: number, y: Act): void {
  if (table.length !== 257) throw new FixedPointError(`lut16_range: table has ${table.length} entries, expected 257`);
  if (shift < 0 || shift > 8) throw new FixedPointError(`lut16_range: shift ${shift} outside [0, 8]`);
  if (y instanceof Int8Array) {
    for (let j = 0; j < 257; j++) if (table[j] < -128 || table[j] > 127) throw new FixedPointError(`lut16_range: table[${j}] = ${table[j]} does not fit the int8 output`);
  }
  const top = (256 << shift) - 1;
  const mask = (1 << shift) - 1;
  const half = shift > 0 ? 1 << (shift - 1) : 0;
  for (let i = 0; i < n; i++) {
    const u = Math.max(0, Math.min(top, x[i] - lo));
    const j = u >> shift;
    const t0 = table[j];
    y[i] = t0 + (((table[j + 1] - t0) * (u & mask) + half) >> shift);
  }
}
