// Channel synthesis: the frequency response of a set of propagation paths on the 114 subcarriers,
//   H(f_k) = sum_p a_p * exp(-j * 2*pi * f_k * d_p / c),
// then what the receiver does to it: complex white noise, the gain (a per-packet AGC, or a gain locked
// once per room as ESP32 CSI sensing setups do, both with a per-packet error),
// the ESP32's int8 I/Q quantization, and finally the amplitude |H| that the data set stores.
// Carrier/sampling frequency offsets only rotate the phase (common or linear in k), so they leave |H|
// untouched and are not modelled.
// Hot loops take their bounds from the arrays rather than from band.ts's SUBCARRIERS: under tsx an
// imported binding is a getter call on every read, which cost a third of the run time.
import { SPEED_OF_LIGHT, type Band } from './band.ts';
import type { Rng } from './prng.ts';

/** Free-space amplitude of a direct or specularly reflected path of length d (Friis): lambda / (4 pi d). */
export function freeSpaceAmplitude(wavelength: number, d: number): number {
  return wavelength / (4 * Math.PI * d);
}

/**
 * Bistatic radar amplitude of a point scatterer of radar cross-section rcs (m^2) at distances dTx from the
 * transmitter and dRx from the receiver: sqrt(Pr/Pt) = lambda * sqrt(rcs) / ((4 pi)^1.5 * dTx * dRx).
 */
export function scatterAmplitude(wavelength: number, rcs: number, dTx: number, dRx: number): number {
  return (wavelength * Math.sqrt(rcs)) / (FOUR_PI_POW_1_5 * dTx * dRx);
}
const FOUR_PI_POW_1_5 = Math.pow(4 * Math.PI, 1.5);

/**
 * Adds n paths (lengths[i] metres, real amplitudes amps[i]) to re/im (length 114). Within each run of
 * consecutive tones the phase advances by a constant step, so each tone costs one complex rotation
 * instead of a sin and a cos; the run's first phase is computed exactly, so the error stays ~1e-13.
 */
export function addPaths(band: Band, n: number, lengths: Float64Array, amps: Float64Array, re: Float64Array, im: Float64Array): void {
  const twoPiOverC = (2 * Math.PI) / SPEED_OF_LIGHT;
  const stepFactor = twoPiOverC * band.spacingHz;
  const runs = band.runs;
  for (let p = 0; p < n; p++) {
    const d = lengths[p];
    const a = amps[p];
    const step = -stepFactor * d;
    const cs = Math.cos(step);
    const sn = Math.sin(step);
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r];
      const phase0 = -twoPiOverC * (band.centreHz + run.firstIndex * band.spacingHz) * d;
      let cr = a * Math.cos(phase0);
      let ci = a * Math.sin(phase0);
      const end = run.offset + run.length;
      for (let k = run.offset; k < end; k++) {
        re[k] += cr;
        im[k] += ci;
        const t = cr * cs - ci * sn;
        ci = cr * sn + ci * cs;
        cr = t;
      }
    }
  }
}

/** Mean |H|^2 over the subcarriers. */
export function meanPower(re: Float64Array, im: Float64Array): number {
  let s = 0;
  const n = re.length;
  for (let k = 0; k < n; k++) s += re[k] * re[k] + im[k] * im[k];
  return s / n;
}

/** Adds circular complex Gaussian noise of total power noisePower per subcarrier. */
export function addNoise(rng: Rng, noisePower: number, re: Float64Array, im: Float64Array): void {
  if (noisePower <= 0) return;
  const sigma = Math.sqrt(noisePower / 2);
  const n = re.length;
  for (let k = 0; k < n; k++) {
    re[k] += sigma * rng.normal();
    im[k] += sigma * rng.normal();
  }
}

/**
 * The receiver's report with a per-packet AGC: scales H to RMS targetRms, times the gain error
 * 10^(errorDb/20), then as reportScaled. A channel with no power at all reports zeros.
 */
export function reportAmplitude(
  re: Float64Array,
  im: Float64Array,
  targetRms: number,
  errorDb: number,
  quantizeInt8: boolean,
  out: Float32Array,
  outOffset: number,
  outStride: number,
): void {
  const rms = Math.sqrt(meanPower(re, im));
  const gain = rms > 0 ? (targetRms / rms) * Math.pow(10, errorDb / 20) : 0;
  reportScaled(re, im, gain, quantizeInt8, out, outOffset, outStride);
}

/**
 * The receiver's report for a given linear gain: scales H, optionally rounds I and Q to int8 (clamped to
 * [-128, 127]) as the ESP32 does, and writes |H| to out[outOffset + k*outStride].
 */
export function reportScaled(
  re: Float64Array,
  im: Float64Array,
  gain: number,
  quantizeInt8: boolean,
  out: Float32Array,
  outOffset: number,
  outStride: number,
): void {
  const n = re.length;
  for (let k = 0; k < n; k++) {
    let i = re[k] * gain;
    let q = im[k] * gain;
    if (quantizeInt8) {
      i = clampInt8(Math.round(i));
      q = clampInt8(Math.round(q));
    }
    out[outOffset + k * outStride] = Math.sqrt(i * i + q * q);
  }
}

function clampInt8(v: number): number {
  return v < -128 ? -128 : v > 127 ? 127 : v;
}
