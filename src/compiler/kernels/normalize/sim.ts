// Mirror of pk_minmax_normalize_{i8,i16}: the graph's window min-max normalization on the raw int16 CSI
// window [F = links * subcarriers][P = packets], written token-major [P][F] with output scale 1/qmax.
import { need, type Act } from '../common.ts';

/**
 * y[p][f] = floor((d * recip + 2^31) / 2^32), d = x[f][p] - min, recip = floor(qmax * 2^32 / (max - min)).
 * A constant window gives zeros (the float model divides 0 by eps).
 */
export function minmaxNormalize(x: Int16Array, F: number, P: number, y: Act): void {
  const n = F * P;
  need(x, n, 'minmax_normalize x');
  need(y, n, 'minmax_normalize y');
  let lo = x[0];
  let hi = x[0];
  for (let i = 1; i < n; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  if (hi === lo) {
    y.fill(0, 0, n);
    return;
  }
  const qmax = y instanceof Int8Array ? 127 : 32767;
  // One BigInt divide per window; every product below stays under 2^47, exact in doubles.
  const recip = Number((BigInt(qmax) << 32n) / BigInt(hi - lo));
  for (let f = 0; f < F; f++) {
    for (let p = 0; p < P; p++) {
      const d = x[f * P + p] - lo;
      y[p * F + f] = Math.floor((d * recip + 2 ** 31) / 2 ** 32);
    }
  }
}

/** The real value of one output code: 1 / qmax. */
export function normalizeScale(bits: 8 | 16): number {
  return bits === 8 ? 1 / 127 : 1 / 32767;
}
