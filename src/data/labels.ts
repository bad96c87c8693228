// Checks on keypoint arrays read from files (labels [N,17,2], the mean pose [17,2]) before any metric uses
// them. Amplitudes with NaN/Inf are replaced by 0 (src/data/nonfinite.ts), but a label is ground truth: a
// NaN keypoint, or a pose whose torso has no length, would turn every metric into NaN or Infinity (printed
// as `null` in JSON), so both are errors naming the file and the first bad index.
import { PoseEdgeError } from '../errors.ts';
import { COCO_NAMES, KEYPOINTS, TORSO_FROM, TORSO_TO } from './coco17.ts';

export class LabelError extends PoseEdgeError {}


function describeValue(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

/**
 * Throws a LabelError unless every value is finite. `file` names the file, `leadingDims` is the shape
 * before [17,2] ([N] for labels, [] for a single pose), so the index reads `[n, keypoint, coord]`.
 */
export function checkFiniteKeypoints(data: Float32Array, file: string, leadingDims: number): void {
  let bad = -1;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      if (bad < 0) bad = i;
      count++;
    }
  }
  if (bad < 0) return;
  const k = Math.floor(bad / 2) % KEYPOINTS;
  const c = bad % 2;
  const index = leadingDims > 0 ? `[${Math.floor(bad / (2 * KEYPOINTS))}, ${k}, ${c}]` : `[${k}, ${c}]`;
  throw new LabelError(
    `${file}: keypoints must be finite; ${count} value${count === 1 ? ' is' : 's are'} not, the first at ${index} ` +
      `(${COCO_NAMES[k]} ${c === 0 ? 'x' : 'y'} = ${describeValue(data[bad])})`,
  );
}

/**
 * Throws a LabelError for the first pose whose torso (keypoints 6 and 11) has length 0: torso-PCK@20's
 * threshold and every torso-relative error are undefined for it. `what` says whose poses they are.
 */
export function checkTorsoLengths(data: Float32Array, what: string): void {
  const n = data.length / (2 * KEYPOINTS);
  let bad = -1;
  let count = 0;
  for (let s = 0; s < n; s++) {
    const o = s * 2 * KEYPOINTS;
    if (data[o + 2 * TORSO_FROM] === data[o + 2 * TORSO_TO] && data[o + 2 * TORSO_FROM + 1] === data[o + 2 * TORSO_TO + 1]) {
      if (bad < 0) bad = s;
      count++;
    }
  }
  if (bad < 0) return;
  const o = bad * 2 * KEYPOINTS;
  throw new LabelError(
    `${what}: ${count} pose${count === 1 ? ' has' : 's have'} a zero-length torso, the first at [${bad}] ` +
      `(r_shoulder and l_hip both at (${data[o + 2 * TORSO_FROM]}, ${data[o + 2 * TORSO_FROM + 1]})); ` +
      'torso-PCK@20 is undefined for such a pose: fix or remove it',
  );
}

/** Labels [N,17,2] as read from `file`: finite, and every torso of non-zero length. */
export function checkLabels(data: Float32Array, file: string): void {
  checkFiniteKeypoints(data, file, 1);
  checkTorsoLengths(data, file);
}
