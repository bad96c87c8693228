// Shared types of the kernel mirrors (src/compiler/sim/kernels): the typed arrays stand for the C
// int8_t / int16_t / int32_t buffers, and an output array's type fixes its saturation range, exactly as
// the C variant's output type does.
import { FixedPointError, INT16_MAX, INT16_MIN, INT8_MAX, INT8_MIN } from '../../quant/fixed-point.ts';

export type Act = Int8Array | Int16Array;

/** Saturation bounds passed to every requantizing kernel (out_min = 0 fuses a ReLU). */
export interface OutRange {
  outMin: number;
  outMax: number;
}

/** The full range of an activation buffer's element type. */
export function typeRange(a: Act): OutRange {
  return a instanceof Int8Array ? { outMin: INT8_MIN, outMax: INT8_MAX } : { outMin: INT16_MIN, outMax: INT16_MAX };
}

/** C name suffix of an activation buffer's element type ("i8" / "i16"). */
export function typeTag(a: Act): 'i8' | 'i16' {
  return a instanceof Int8Array ? 'i8' : 'i16';
}

/**
 * Fails when a buffer is shorter than a kernel call needs: the C kernel would read or write outside it,
 * and the mirror would compute with undefined values instead of failing.
 */
export function need(a: ArrayLike<unknown>, n: number, what: string): void {
  if (a.length < n) throw new FixedPointError(`${what}: buffer of ${a.length} elements, the call needs ${n}`);
}
