// Shared types of the kernel mirrors (src/compiler/kernels/*/sim.ts): the typed arrays stand for the C
// int8_t / int16_t / int32_t buffers, and an output array's type fixes its saturation range, exactly as
// the C variant's output type does.
import { FixedPointError } from '../quant/fixed-point.ts';

export type Act = Int8Array | Int16Array;

/** Saturation bounds passed to every requantizing kernel (out_min = 0 fuses a ReLU). */
export interface OutRange {
  outMin: number;
  outMax: number;
}

/**
 * Fails when a buffer is shorter than a kernel call needs: the C kernel would read or write outside it,
 * and the mirror would compute with undefined values instead of failing.
 */
export function need(a: ArrayLike<unknown>, n: number, what: string): void {
  if (a.length < n) throw new FixedPointError(`${what}: buffer of ${a.length} elements, the call needs ${n}`);
}
