// Fixed-point arithmetic shared by the compiler and the integer simulator: real scales -> (multiplier,
// shift), the one rounding step the generated C applies (templates/c/pose_kernels.h, pk_requant), and
// saturation. docs/fixed-point.md states every formula; this file and the C header must agree bit for bit.

export const INT8_MIN = -128;
export const INT8_MAX = 127;
export const INT16_MIN = -32768;
export const INT16_MAX = 32767;
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** A requantization multiplier: real ~= mult / 2^(31 + shift), mult in [2^30, 2^31) (or 0). */
export interface Requant {
  mult: number;
  shift: number;
}

export class FixedPointError extends RangeError {}

const TWO31 = 2 ** 31;
const TWO30 = 2 ** 30;
const TWO52 = 2 ** 52;

/** The largest n = 31 + shift the C kernel accepts: the product |acc * mult| < 2^62 plus 2^(n-1) stays in int64. */
export const MAX_REQUANT_N = 62;

/**
 * Splits a positive real multiplier into (mult, shift) with mult = round(real * 2^(31+shift)) in
 * [2^30, 2^31). 0 maps to {0, 0} (output always 0). Reals that would need n = 31 + shift outside [1, 62]
 * (real >= 2^30, or real < 2^-32) have no representation: those throw, naming `what`.
 */
export function quantizeMultiplier(real: number, what = 'multiplier'): Requant {
  if (!Number.isFinite(real) || real < 0) {
    throw new FixedPointError(`${what}: real multiplier ${real} is not a finite non-negative number`);
  }
  if (real === 0) return { mult: 0, shift: 0 };
  // real = m * 2^e with m in [0.5, 1): mult = round(m * 2^31), shift = -e.
  let e = Math.floor(Math.log2(real)) + 1;
  // log2 can be off by one near powers of two; fix the exponent so that m lands in [0.5, 1).
  while (real / 2 ** e >= 1) e += 1;
  while (real / 2 ** e < 0.5) e -= 1;
  let mult = Math.round((real / 2 ** e) * TWO31);
  if (mult === TWO31) {
    mult = TWO30;
    e += 1;
  }
  const shift = e === 0 ? 0 : -e;
  const n = 31 + shift;
  if (n < 1 || n > MAX_REQUANT_N) {
    throw new FixedPointError(
      `${what}: real multiplier ${real} needs a shift of ${shift} (31 + shift must lie in [1, ${MAX_REQUANT_N}])`,
    );
  }
  return { mult, shift };
}

/** The real value a (mult, shift) pair stands for. */
export function requantReal(q: Requant): number {
  return q.mult / 2 ** (31 + q.shift);
}

/**
 * pk_requant: floor((acc * mult + 2^(n-1)) / 2^n), n = 31 + shift (round half up), unsaturated.
 * Exact for every int32 acc whose result lies within +-2^53 (plain doubles when the product and the
 * rounding term stay below 2^53, BigInt otherwise: acc * mult reaches 2^62); larger results (only with
 * multipliers >> 1) are off by less than their own rounding and saturate the same way in every kernel.
 */
export function requant(acc: number, mult: number, shift: number): number {
  const n = 31 + shift;
  const p = acc * mult;
  if (p < TWO52 && p > -TWO52 && n <= 52) return Math.floor((p + 2 ** (n - 1)) / 2 ** n);
  return Number((BigInt(acc) * BigInt(mult) + (1n << BigInt(n - 1))) >> BigInt(n));
}

export function saturate(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Round half away from zero (the rule of the kernel input format and of compile-time tables). */
export function roundHalfAway(v: number): number {
  return v < 0 ? -Math.round(-v) : Math.round(v);
}

/** Throws when an accumulator left int32: the C kernel would have overflowed (undefined behaviour). */
export function checkInt32(acc: number, what: string): number {
  if (acc > INT32_MAX || acc < INT32_MIN) {
    throw new FixedPointError(`${what}: int32 accumulator overflow (${acc})`);
  }
  return acc;
}

export function intRange(bits: 8 | 16): { min: number; max: number } {
  return bits === 8 ? { min: INT8_MIN, max: INT8_MAX } : { min: INT16_MIN, max: INT16_MAX };
}

/** Quantizes reals to codes with round-half-away and saturation. */
export function quantizeValues(values: ArrayLike<number>, scale: number, bits: 8 | 16): Int8Array | Int16Array {
  const { min, max } = intRange(bits);
  const out = bits === 8 ? new Int8Array(values.length) : new Int16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = saturate(roundHalfAway(values[i] / scale), min, max);
  return out;
}

/** Unpacks `count` int4 codes from the qweights flat layout (element 2i low nibble of byte i). */
export function unpackInt4(packed: Uint8Array, count: number): Int8Array {
  if (packed.length < (count + 1) >> 1) {
    throw new FixedPointError(`int4 data: ${packed.length} bytes cannot hold ${count} values`);
  }
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) out[i] = int4At(packed[i >> 1], (i & 1) as 0 | 1);
  return out;
}

/** Signed value of nibble j (0 = low) of a packed int4 byte. */
export function int4At(byte: number, j: 0 | 1): number {
  return (((j === 0 ? byte : byte >> 4) & 15) ^ 8) - 8;
}

/** The bit position, in a w4r4 word, of the low nibble of row k (0..3) of its group of four (the high
 * nibble, input 2i + 1, is 4 above): rows 0 and 1 share the 16-bit lanes at bits 0 and 16 (bytes 0 and 2),
 * rows 2 and 3 at bits 8 and 24, so one shift and one mask give two rows' weights in two 16-bit lanes. */
export const W4R4_ROW_BIT = [0, 16, 8, 24] as const;

/**
 * Packs int4 codes [rows][cols] into the w4r4 layout of the int8-input linear kernels (pk_linear_w4r4_*):
 * rows in groups of four (the last group padded with zero rows), inputs in pairs (an odd `cols` padded with
 * a zero weight); group g, pair i is the word w[g * pairs + i] holding the eight weights w[4g + k][2i + h]
 * as offset-binary nibbles (value + 8, so 8 is zero) at bit W4R4_ROW_BIT[k] + 4h. Same size as the packed
 * rows when rows % 4 == 0 and cols is even.
 */
export function packInt4R4(codes: ArrayLike<number>, rows: number, cols: number): Uint32Array {
  const pairs = (cols + 1) >> 1;
  const groups = (rows + 3) >> 2;
  const out = new Uint32Array(groups * pairs).fill(0x88888888);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = codes[r * cols + c];
      if (!Number.isInteger(v) || v < -8 || v > 7) {
        throw new FixedPointError(`int4 packing: value ${v} at [${r}][${c}] is not an int4`);
      }
      const at = (r >> 2) * pairs + (c >> 1);
      const bit = W4R4_ROW_BIT[r & 3] + 4 * (c & 1);
      out[at] = ((out[at] & ~(15 << bit)) | ((v + 8) << bit)) >>> 0;
    }
  }
  return out;
}

/** The int4 weight w[o][i] of a w4r4 array (see packInt4R4) whose rows have `pairs` words per group. */
export function int4R4At(w: Uint32Array, pairs: number, o: number, i: number): number {
  return ((w[(o >> 2) * pairs + (i >> 1)] >>> (W4R4_ROW_BIT[o & 3] + 4 * (i & 1))) & 15) - 8;
}

/**
 * Packs int4 codes [rows][cols] into the kernel layout: each row starts on a byte, element 2i of a row in
 * the low nibble of the row's byte i; an odd `cols` leaves the last byte's high nibble 0. For even `cols`
 * this equals the qweights flat layout.
 */
export function packInt4Rows(codes: ArrayLike<number>, rows: number, cols: number): Uint8Array {
  const rowBytes = (cols + 1) >> 1;
  const out = new Uint8Array(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = codes[r * cols + c];
      if (!Number.isInteger(v) || v < -8 || v > 7) {
        throw new FixedPointError(`int4 packing: value ${v} at [${r}][${c}] is not an int4`);
      }
      out[r * rowBytes + (c >> 1)] |= (v & 15) << ((c & 1) * 4);
    }
  }
  return out;
}
