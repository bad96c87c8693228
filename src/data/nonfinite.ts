// The project's one rule for non-finite values (README, "Models and data"): whoever builds a window
// replaces NaN and +-Inf amplitudes by 0 before any model sees it, counts them and says so. Every place
// that builds or reads windows uses this module: the synthetic data writer, eval, compile calibration,
// parity (node, simulator and reference all get the same sanitized windows) and `stream export`.
// Labels are different: a non-finite keypoint is not noise to hide but a broken file, so it is an error
// naming the file and the first bad index (src/data/labels.ts).
import { PACKETS, SUBCARRIERS, WINDOW_VALUES } from './window.ts';

export interface NonFiniteCount {
  /** Values replaced by 0 (nan + posInf + negInf). */
  count: number;
  nan: number;
  posInf: number;
  negInf: number;
  /** Index (into the whole array) of the first value replaced, or -1 when none was. */
  firstIndex: number;
}

export const NO_NON_FINITE: Readonly<NonFiniteCount> = Object.freeze({ count: 0, nan: 0, posInf: 0, negInf: 0, firstIndex: -1 });

/** Replaces NaN and +-Inf in a[offset, offset + length) by 0, in place, and counts them. */
export function replaceNonFinite(a: Float32Array, offset = 0, length = a.length - offset): NonFiniteCount {
  const r = { count: 0, nan: 0, posInf: 0, negInf: 0, firstIndex: -1 };
  const end = offset + length;
  for (let i = offset; i < end; i++) {
    const v = a[i];
    // v - v is 0 for every finite v and NaN for NaN and +-Inf: one test on the hot path.
    if (v - v === 0) continue;
    if (Number.isNaN(v)) r.nan++;
    else if (v > 0) r.posInf++;
    else r.negInf++;
    if (r.firstIndex < 0) r.firstIndex = i;
    a[i] = 0;
  }
  r.count = r.nan + r.posInf + r.negInf;
  return r;
}

/** Adds two counts (the first index of `a` wins when both have one; `bOffset` shifts b's index). */
export function addCounts(a: NonFiniteCount, b: NonFiniteCount, bOffset = 0): NonFiniteCount {
  return {
    count: a.count + b.count,
    nan: a.nan + b.nan,
    posInf: a.posInf + b.posInf,
    negInf: a.negInf + b.negInf,
    firstIndex: a.firstIndex >= 0 ? a.firstIndex : b.firstIndex >= 0 ? b.firstIndex + bOffset : -1,
  };
}

export interface WindowPosition {
  window: number;
  link: number;
  subcarrier: number;
  packet: number;
}

/** Where a flat index of a [N,3,114,10] window array lies. */
export function windowPosition(index: number): WindowPosition {
  const window = Math.floor(index / WINDOW_VALUES);
  const r = index - window * WINDOW_VALUES;
  return {
    window,
    link: Math.floor(r / (SUBCARRIERS * PACKETS)),
    subcarrier: Math.floor(r / PACKETS) % SUBCARRIERS,
    packet: r % PACKETS,
  };
}

/**
 * The warning line body for replaced values, or null when none were:
 * `<what>: replaced 3 non-finite values (1 NaN, 1 +Inf, 1 -Inf) by 0; first at window 0, link 0, subcarrier 0, packet 5`.
 */
export function nonFiniteWarning(what: string, r: NonFiniteCount): string | null {
  if (r.count === 0) return null;
  const kinds = [
    r.nan ? `${r.nan} NaN` : '',
    r.posInf ? `${r.posInf} +Inf` : '',
    r.negInf ? `${r.negInf} -Inf` : '',
  ].filter(Boolean);
  const p = windowPosition(r.firstIndex);
  const values = r.count === 1 ? 'value' : 'values';
  return `${what}: replaced ${r.count} non-finite ${values} (${kinds.join(', ')}) by 0; first at window ${p.window}, link ${p.link}, subcarrier ${p.subcarrier}, packet ${p.packet}`;
}

/** Sanitizes a whole window array [N,3,114,10] in place; the count and the warning that goes with it. */
export function sanitizeWindows(data: Float32Array, what: string): NonFiniteCount & { warning: string | null } {
  const r = replaceNonFinite(data);
  return { ...r, warning: nonFiniteWarning(what, r) };
}
