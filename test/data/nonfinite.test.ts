// The one rule for non-finite amplitudes (src/data/nonfinite.ts) and the label checks (src/data/labels.ts):
// what is replaced, how it is counted and located, the warning text, and that the kernel's input format
// (quantizeInput) treats NaN and +-Inf exactly as the replaced zeros.
import { describe, expect, it } from 'vitest';
import { addCounts, nonFiniteWarning, replaceNonFinite, sanitizeWindows, windowPosition } from '../../src/data/nonfinite.ts';
import { WINDOW_VALUES } from '../../src/data/window.ts';
import { checkFiniteKeypoints, checkLabels, checkTorsoLengths, LabelError } from '../../src/data/labels.ts';
import { quantizeInput } from '../../src/compiler/io-format.ts';

/** Flat index of [window, link, subcarrier, packet] in a [N,3,114,10] array. */
const at = (w: number, l: number, s: number, p: number) => w * WINDOW_VALUES + (l * 114 + s) * 10 + p;

describe('replaceNonFinite', () => {
  it('replaces NaN, +Inf and -Inf by 0 in place, counts each kind and the first index; finite values (also -0, huge, tiny) stay', () => {
    const a = Float32Array.from([1, -0, 3.4e38, NaN, 1e-45, Infinity, -Infinity, NaN, -2]);
    const r = replaceNonFinite(a);
    expect(r).toEqual({ count: 4, nan: 2, posInf: 1, negInf: 1, firstIndex: 3 });
    expect(Array.from(a)).toEqual([1, -0, Math.fround(3.4e38), 0, Math.fround(1e-45), 0, 0, 0, -2]);
    expect(Object.is(a[1], -0)).toBe(true);
  });

  it('works on a range only, and reports no first index when nothing was replaced', () => {
    const a = Float32Array.from([NaN, 1, NaN, 2, NaN]);
    expect(replaceNonFinite(a, 1, 3)).toEqual({ count: 1, nan: 1, posInf: 0, negInf: 0, firstIndex: 2 });
    expect(Number.isNaN(a[0]) && Number.isNaN(a[4])).toBe(true);
    expect(replaceNonFinite(Float32Array.of(1, 2))).toEqual({ count: 0, nan: 0, posInf: 0, negInf: 0, firstIndex: -1 });
  });

  it('addCounts keeps the first index of the earlier part and shifts the later one', () => {
    const none = replaceNonFinite(Float32Array.of(1));
    const b = replaceNonFinite(Float32Array.of(1, Infinity));
    expect(addCounts(none, b, 100)).toEqual({ count: 1, nan: 0, posInf: 1, negInf: 0, firstIndex: 101 });
    expect(addCounts(b, b, 100).firstIndex).toBe(1);
  });
});

describe('locating and reporting replaced amplitudes', () => {
  it('windowPosition inverts the [N,3,114,10] row-major layout', () => {
    for (const [w, l, s, p] of [[0, 0, 0, 0], [0, 0, 0, 9], [0, 0, 1, 0], [0, 1, 0, 0], [2, 2, 113, 9], [7, 1, 57, 3]]) {
      expect(windowPosition(at(w, l, s, p))).toEqual({ window: w, link: l, subcarrier: s, packet: p });
    }
  });

  it('the warning names the file, the counts by kind and the first position; none when nothing was replaced', () => {
    const x = new Float32Array(3 * WINDOW_VALUES).fill(1);
    x[at(1, 2, 40, 7)] = -Infinity;
    x[at(2, 0, 0, 0)] = NaN;
    x[at(2, 0, 0, 1)] = NaN;
    const r = sanitizeWindows(x, 'cap.npy');
    expect(r.count).toBe(3);
    expect(r.warning).toBe('cap.npy: replaced 3 non-finite values (2 NaN, 1 -Inf) by 0; first at window 1, link 2, subcarrier 40, packet 7');
    expect(x.every((v) => Number.isFinite(v))).toBe(true);
    expect(sanitizeWindows(x, 'cap.npy')).toMatchObject({ count: 0, warning: null });
    const one = new Float32Array(WINDOW_VALUES);
    one[5] = Infinity;
    expect(nonFiniteWarning('w.npy', replaceNonFinite(one))).toBe('w.npy: replaced 1 non-finite value (1 +Inf) by 0; first at window 0, link 0, subcarrier 0, packet 5');
  });

  it('the kernel input format maps NaN and +-Inf to the same int16 as the 0 that replaces them (not +Inf -> 32767)', () => {
    const raw = Float32Array.from({ length: 3420 }, (_, i) => (i % 97) * 0.75);
    raw[3] = NaN;
    raw[100] = Infinity;
    raw[3419] = -Infinity;
    const sanitized = Float32Array.from(raw);
    replaceNonFinite(sanitized);
    for (const f of [0, 8, 15]) expect(Array.from(quantizeInput(raw, f))).toEqual(Array.from(quantizeInput(sanitized, f)));
    expect(quantizeInput(raw, 8)[100]).toBe(0);
  });
});

/** n poses, keypoint k at (0.1 + 0.02 k, 0.2 + 0.03 k): every torso (6 -> 11) has length > 0. */
function poses(n: number): Float32Array {
  return Float32Array.from({ length: n * 34 }, (_, i) => (i % 2 === 0 ? 0.1 + 0.02 * ((i >> 1) % 17) : 0.2 + 0.03 * ((i >> 1) % 17)));
}

describe('labels', () => {
  it('accept finite poses with a torso', () => {
    expect(() => checkLabels(poses(3), 'y.npy')).not.toThrow();
  });

  it('a non-finite keypoint is an error naming the file, the count and the first [n, keypoint, coord]', () => {
    const y = poses(4);
    y[2 * 34 + 2 * 9 + 1] = NaN; // pose 2, keypoint 9 (l_wrist), y
    y[3 * 34] = Infinity;
    expect(() => checkLabels(y, 'y.npy')).toThrow(new LabelError('y.npy: keypoints must be finite; 2 values are not, the first at [2, 9, 1] (l_wrist y = NaN)'));
    const pose = poses(1);
    pose[0] = -Infinity;
    expect(() => checkFiniteKeypoints(pose, 'mean.npy', 0)).toThrow('mean.npy: keypoints must be finite; 1 value is not, the first at [0, 0] (nose x = -Inf)');
  });

  it('a zero-length torso is an error naming the pose, since torso-PCK@20 has no scale there', () => {
    const y = poses(5);
    for (const s of [1, 3]) {
      y[s * 34 + 22] = y[s * 34 + 12];
      y[s * 34 + 23] = y[s * 34 + 13];
    }
    expect(() => checkLabels(y, 'y.npy')).toThrow(
      'y.npy: 2 poses have a zero-length torso, the first at [1] (r_shoulder and l_hip both at (0.2199999988079071, 0.3799999952316284)); torso-PCK@20 is undefined for such a pose: fix or remove it',
    );
    expect(() => checkTorsoLengths(new Float32Array(34), 'ref')).toThrow('ref: 1 pose has a zero-length torso, the first at [0] (r_shoulder and l_hip both at (0, 0))');
  });
});
