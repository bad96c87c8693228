// Pose metrics over COCO-17 keypoints stored as float32 [N,17,2] (x, y), shared by `eval` and `parity`.
// Torso length = |kp6 - kp11| (right shoulder to left hip) of the ground truth, per sample.
//
// No metric is ever NaN or Infinity: an empty set, or a ground-truth pose whose torso has length 0 (no
// scale for torso-PCK@20 and the torso-relative errors), is a RangeError here, because the callers check
// their inputs first and turn them into errors naming the file (src/data/labels.ts for labels; parity
// checks the reference model's poses, its ground truth). Reaching one of these throws is a bug.

import { KEYPOINTS, TORSO_FROM, TORSO_TO } from '../data/coco17.ts';

export { KEYPOINTS };
export const PCK_THRESHOLD = 0.2;

/** Keypoints as a flat [N,17,2] float array. */
export type Poses = Float32Array | Float64Array | number[];

export interface PckResult {
  /** Percent of all N*17 keypoints within 0.2 torso lengths. */
  overall: number;
  /** Percent per keypoint index, 17 numbers. */
  perKeypoint: number[];
}

function sampleCount(pred: Poses, gt: Poses): number {
  if (pred.length !== gt.length) throw new RangeError(`metrics: prediction has ${pred.length} values, ground truth ${gt.length}`);
  if (gt.length % (KEYPOINTS * 2) !== 0) throw new RangeError(`metrics: ${gt.length} values is not a whole number of [17,2] poses`);
  if (gt.length === 0) throw new RangeError('metrics: no samples (callers refuse empty sets first)');
  return gt.length / (KEYPOINTS * 2);
}

function torsoLength(gt: Poses, n: number): number {
  const o = n * KEYPOINTS * 2;
  const t = Math.hypot(gt[o + TORSO_FROM * 2] - gt[o + TORSO_TO * 2], gt[o + TORSO_FROM * 2 + 1] - gt[o + TORSO_TO * 2 + 1]);
  if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`metrics: ground-truth pose ${n} has a torso of length ${t} (callers refuse such poses first)`);
  return t;
}

function distance(pred: Poses, gt: Poses, n: number, k: number): number {
  const o = (n * KEYPOINTS + k) * 2;
  return Math.hypot(pred[o] - gt[o], pred[o + 1] - gt[o + 1]);
}

export function torsoPck20(pred: Poses, gt: Poses): PckResult {
  const n = sampleCount(pred, gt);
  const hits = new Array<number>(KEYPOINTS).fill(0);
  for (let s = 0; s < n; s++) {
    const limit = PCK_THRESHOLD * torsoLength(gt, s);
    for (let k = 0; k < KEYPOINTS; k++) if (distance(pred, gt, s, k) <= limit) hits[k]++;
  }
  const total = hits.reduce((a, b) => a + b, 0);
  return {
    overall: (100 * total) / (n * KEYPOINTS),
    perKeypoint: hits.map((h) => (100 * h) / n),
  };
}

/** Mean Euclidean keypoint error, in the label units (normalized image coordinates). */
export function mpjpe(pred: Poses, gt: Poses): number {
  const n = sampleCount(pred, gt);
  let sum = 0;
  for (let s = 0; s < n; s++) for (let k = 0; k < KEYPOINTS; k++) sum += distance(pred, gt, s, k);
  return sum / (n * KEYPOINTS);
}

/** Each keypoint's error divided by its sample's torso length. */
function torsoRelativeErrors(pred: Poses, gt: Poses): Float64Array {
  const n = sampleCount(pred, gt);
  const out = new Float64Array(n * KEYPOINTS);
  for (let s = 0; s < n; s++) {
    const torso = torsoLength(gt, s);
    for (let k = 0; k < KEYPOINTS; k++) {
      const d = distance(pred, gt, s, k);
      out[s * KEYPOINTS + k] = d / torso;
    }
  }
  return out;
}

/** Mean keypoint error as a fraction of each sample's torso length. */
export function meanErrTorso(pred: Poses, gt: Poses): number {
  const e = torsoRelativeErrors(pred, gt);
  return e.reduce((a, b) => a + b, 0) / e.length;
}

/** Largest keypoint error as a fraction of its sample's torso length. */
export function maxErrTorso(pred: Poses, gt: Poses): number {
  const e = torsoRelativeErrors(pred, gt);
  return e.reduce((a, b) => Math.max(a, b), 0);
}

/** The mean-pose baseline's predictions: the same [17,2] pose repeated for n samples. */
export function repeatPose(pose: Float32Array, n: number): Float32Array {
  if (pose.length !== KEYPOINTS * 2) throw new RangeError(`repeatPose: a pose has ${KEYPOINTS * 2} values, got ${pose.length}`);
  const out = new Float32Array(n * pose.length);
  for (let s = 0; s < n; s++) out.set(pose, s * pose.length);
  return out;
}
