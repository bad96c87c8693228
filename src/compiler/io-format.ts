// Host-side conversion between float CSI windows / keypoints and the kernel's int16 fixed-point formats
// (docs/kernel-api.md). The firmware applies the same rule in C, so both must round identically:
// round half away from zero, then saturate to int16. Non-finite amplitudes become 0 (the one documented
// data rule), so a NaN from a broken capture never reaches the integer kernel.

const INT16_MIN = -32768;
const INT16_MAX = 32767;

function roundHalfAway(v: number): number {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

/** One value in the input format: sat_int16(round_half_away(x * 2^fracBits)), NaN/Inf -> 0. */
export function quantizeInputValue(x: number, fracBits: number): number {
  if (!Number.isFinite(x)) return 0;
  // Math.fround: the firmware computes x * 2^f in float32 from a float32 amplitude; scaling by a power of
  // two is exact in both widths, so this only pins the input to what a float32 array can hold.
  const scaled = roundHalfAway(Math.fround(x) * 2 ** fracBits);
  return scaled < INT16_MIN ? INT16_MIN : scaled > INT16_MAX ? INT16_MAX : scaled;
}

/** A float window (any length, normally 3420 values [3][114][10]) -> the kernel's int16 input. */
export function quantizeInput(window: ArrayLike<number>, fracBits: number): Int16Array {
  checkFracBits(fracBits);
  const out = new Int16Array(window.length);
  for (let i = 0; i < window.length; i++) out[i] = quantizeInputValue(window[i], fracBits);
  return out;
}

/** The kernel's int16 output -> float keypoints: output[i] / 2^fracBits (exact in float32 for f <= 15). */
export function dequantizeOutput(out: ArrayLike<number>, fracBits: number): Float32Array {
  checkFracBits(fracBits);
  const res = new Float32Array(out.length);
  const step = 2 ** -fracBits;
  for (let i = 0; i < out.length; i++) res[i] = out[i] * step;
  return res;
}

function checkFracBits(fracBits: number): void {
  if (!Number.isInteger(fracBits) || fracBits < 0 || fracBits > 15) {
    throw new RangeError(`fixed-point fraction bits must be an integer in 0..15, got ${fracBits}`);
  }
}
