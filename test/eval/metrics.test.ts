import { describe, expect, it } from 'vitest';
import { maxErrTorso, meanErrTorso, mpjpe, repeatPose, torsoPck20 } from '../../src/eval/metrics.ts';

/** A [n,17,2] array with every keypoint at `fill`, then the listed keypoints set. */
function poses(samples: { fill: [number, number]; set?: Record<number, [number, number]> }[]): number[] {
  return samples.flatMap(({ fill, set = {} }) => Array.from({ length: 17 }, (_, k) => set[k] ?? fill).flat());
}

// Two hand-computed samples. Distances are chosen to be exact in binary floating point.
// A: torso |kp6 (0,0) - kp11 (3,4)| = 5, threshold 1.  B: torso |(0,0) - (0,10)| = 10, threshold 2.
const GT = poses([
  { fill: [10, 10], set: { 6: [0, 0], 11: [3, 4] } },
  { fill: [1, 1], set: { 6: [0, 0], 11: [0, 10] } },
]);
const PRED = poses([
  // kp0 off by exactly the threshold (correct), kp1 just beyond it, kp2 by a full torso, kp6 by 0.5:
  // moving the predicted shoulder must not change the torso length, which comes from the ground truth.
  { fill: [10, 10], set: { 0: [11, 10], 1: [11, 10.001], 2: [13, 14], 6: [0.5, 0], 11: [3, 4] } },
  // kp0 at the threshold, kp2 by 15 (1.5 torsos), kp16 by 2.5.
  { fill: [1, 1], set: { 0: [1, 3], 2: [10, 13], 6: [0, 0], 11: [0, 10], 16: [1, 3.5] } },
]);
const D1 = Math.hypot(1, 0.001);

describe('torso-PCK@20', () => {
  it('counts a keypoint within 0.2 torso lengths (inclusive) of the ground truth, overall and per keypoint', () => {
    const r = torsoPck20(PRED, GT);
    // Wrong: A kp1, A kp2, B kp2, B kp16 -> 30 of 34.
    expect(r.overall).toBeCloseTo((100 * 30) / 34, 10);
    const per = new Array(17).fill(100);
    per[1] = 50;
    per[2] = 0;
    per[16] = 50;
    expect(r.perKeypoint).toEqual(per);
    expect(torsoPck20(Float32Array.from(GT), Float32Array.from(GT)).overall).toBe(100);
  });

  it('MPJPE is the mean Euclidean distance over all keypoints', () => {
    expect(mpjpe(PRED, GT)).toBeCloseTo((1 + D1 + 5 + 0.5 + 2 + 15 + 2.5) / 34, 12);
  });

  it('torso-relative mean and max errors divide each distance by its own sample\'s torso', () => {
    expect(meanErrTorso(PRED, GT)).toBeCloseTo(((1 + D1 + 5 + 0.5) / 5 + (2 + 15 + 2.5) / 10) / 34, 12);
    expect(maxErrTorso(PRED, GT)).toBe(1.5);
  });

  it('refuses a zero-length ground-truth torso and an empty set instead of returning Infinity or NaN', () => {
    // Callers check labels (src/data/labels.ts) and parity's reference poses first; reaching these is a bug.
    const gt = poses([{ fill: [1, 1], set: { 6: [0, 0], 11: [0, 10] } }, { fill: [2, 2] }]);
    const pred = poses([{ fill: [1, 1], set: { 6: [0, 0], 11: [0, 10] } }, { fill: [2, 2], set: { 3: [2.001, 2] } }]);
    for (const f of [torsoPck20, meanErrTorso, maxErrTorso]) {
      expect(() => f(pred, gt)).toThrow('metrics: ground-truth pose 1 has a torso of length 0 (callers refuse such poses first)');
      expect(() => f([], [])).toThrow('metrics: no samples (callers refuse empty sets first)');
    }
    expect(() => mpjpe([], [])).toThrow('metrics: no samples');
    // MPJPE needs no torso: it stays defined on such a pose.
    expect(mpjpe(pred, gt)).toBeCloseTo(0.001 / 34, 12);
  });

  it('rejects arrays that do not pair up into [17,2] poses', () => {
    expect(() => torsoPck20(new Float32Array(34), new Float32Array(68))).toThrow('metrics: prediction has 34 values, ground truth 68');
    expect(() => mpjpe(new Float32Array(30), new Float32Array(30))).toThrow('metrics: 30 values is not a whole number of [17,2] poses');
  });

  it('the mean-pose predictor repeats one pose', () => {
    const pose = Float32Array.from({ length: 34 }, (_, i) => i / 34);
    const rep = repeatPose(pose, 3);
    expect(rep.length).toBe(102);
    expect(Array.from(rep.subarray(68))).toEqual(Array.from(pose));
    expect(() => repeatPose(new Float32Array(10), 2)).toThrow('repeatPose: a pose has 34 values, got 10');
  });
});
