// The three comparisons of a parity run, on outputs already collected:
//   node vs integer simulator: bit-exact, per window (any differing int16 value makes the window a mismatch);
//   node vs reference model: torso-relative mean/max error and torso-PCK@20 with the reference output as
//     ground truth (its own torso length per sample), i.e. how much of the deployed accuracy is kept;
//   with labels: torso-PCK@20 of node and reference against the labels.
// Thresholds follow the compiler issue's parity checks: mean error <= 1% of the torso, max <= 5%,
// agreement >= 99%, and PCK vs labels within 0.3 points of the reference.
import { maxErrTorso, meanErrTorso, torsoPck20, KEYPOINTS } from '../../eval/metrics.ts';

export interface Thresholds {
  maxMeanErr: number;
  maxMaxErr: number;
  minAgreement: number;
  maxPckDrop: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { maxMeanErr: 0.01, maxMaxErr: 0.05, minAgreement: 99, maxPckDrop: 0.3 };

export interface Comparison {
  samples: number;
  bitExact: boolean;
  /** Windows whose node output differs from the simulator's in at least one value. */
  mismatches: number;
  mismatchValues: number;
  /** First few differing windows, for the message. */
  mismatchWindows: number[];
  meanErrTorso: number;
  maxErrTorso: number;
  pckAgreement: number;
  pckRef: number | null;
  pckNode: number | null;
  perKeypointRef: number[] | null;
  perKeypointNode: number[] | null;
  /** Per keypoint error of node vs reference, as a fraction of the reference torso (histogram input). */
  errTorso: Float64Array;
}

export function compareOutputs(opts: {
  node: Int16Array[];
  sim: Int16Array[];
  nodeKp: Float32Array;
  refKp: Float32Array;
  labels: Float32Array | null;
}): Comparison {
  const { node, sim, nodeKp, refKp, labels } = opts;
  let mismatches = 0;
  let mismatchValues = 0;
  const mismatchWindows: number[] = [];
  node.forEach((out, i) => {
    let diff = 0;
    for (let k = 0; k < out.length; k++) if (out[k] !== sim[i][k]) diff++;
    if (out.length !== sim[i].length) diff += Math.abs(out.length - sim[i].length);
    if (diff > 0) {
      mismatches++;
      mismatchValues += diff;
      if (mismatchWindows.length < 8) mismatchWindows.push(i);
    }
  });
  const pckNodeRes = labels ? torsoPck20(nodeKp, labels) : null;
  const pckRefRes = labels ? torsoPck20(refKp, labels) : null;
  return {
    samples: node.length,
    bitExact: mismatches === 0,
    mismatches,
    mismatchValues,
    mismatchWindows,
    meanErrTorso: meanErrTorso(nodeKp, refKp),
    maxErrTorso: maxErrTorso(nodeKp, refKp),
    pckAgreement: torsoPck20(nodeKp, refKp).overall,
    pckRef: pckRefRes?.overall ?? null,
    pckNode: pckNodeRes?.overall ?? null,
    perKeypointRef: pckRefRes?.perKeypoint ?? null,
    perKeypointNode: pckNodeRes?.perKeypoint ?? null,
    errTorso: torsoErrors(nodeKp, refKp),
  };
}

/** The comparison of no windows at all (a run where nothing was answered): every figure NaN or null. */
export function emptyComparison(): Comparison {
  return {
    samples: 0, bitExact: true, mismatches: 0, mismatchValues: 0, mismatchWindows: [], meanErrTorso: NaN, maxErrTorso: NaN, pckAgreement: NaN,
    pckRef: null, pckNode: null, perKeypointRef: null, perKeypointNode: null, errTorso: new Float64Array(0),
  };
}

function torsoErrors(pred: Float32Array, gt: Float32Array): Float64Array {
  const n = gt.length / (KEYPOINTS * 2);
  const out = new Float64Array(n * KEYPOINTS);
  for (let s = 0; s < n; s++) {
    const o = s * KEYPOINTS * 2;
    const torso = Math.hypot(gt[o + 12] - gt[o + 22], gt[o + 13] - gt[o + 23]);
    for (let k = 0; k < KEYPOINTS; k++) {
      const d = Math.hypot(pred[o + 2 * k] - gt[o + 2 * k], pred[o + 2 * k + 1] - gt[o + 2 * k + 1]);
      out[s * KEYPOINTS + k] = d === 0 ? 0 : d / torso;
    }
  }
  return out;
}

/** The threshold checks that failed, each as one line naming the figure and its limit. */
export function failedChecks(c: Comparison, t: Thresholds): string[] {
  const failed: string[] = [];
  if (!c.bitExact) failed.push(`node differs from the integer simulator in ${c.mismatches} of ${c.samples} windows (first: ${c.mismatchWindows.join(', ')}); must be bit-exact`);
  if (!(c.meanErrTorso <= t.maxMeanErr)) failed.push(`mean error ${fmtPct(c.meanErrTorso)} of torso exceeds --max-mean-err ${fmtPct(t.maxMeanErr)}`);
  if (!(c.maxErrTorso <= t.maxMaxErr)) failed.push(`max error ${fmtPct(c.maxErrTorso)} of torso exceeds --max-max-err ${fmtPct(t.maxMaxErr)}`);
  if (!(c.pckAgreement >= t.minAgreement)) failed.push(`torso-PCK@20 agreement with the reference ${c.pckAgreement.toFixed(2)}% is below --min-agreement ${t.minAgreement}%`);
  if (c.pckRef !== null && c.pckNode !== null && !(c.pckRef - c.pckNode <= t.maxPckDrop)) {
    failed.push(`torso-PCK@20 vs labels: node ${c.pckNode.toFixed(2)}% is ${(c.pckRef - c.pckNode).toFixed(2)} points below the reference ${c.pckRef.toFixed(2)}% (--max-pck-drop ${t.maxPckDrop})`);
  }
  return failed;
}

function fmtPct(x: number): string {
  return `${(100 * x).toFixed(3)}%`;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
