// The comparisons and threshold messages of a parity run on hand-built outputs, and the HTML report
// without labels. Oracles: hand-computed distances and the shared metrics (src/eval/metrics.ts).
import { describe, expect, it } from 'vitest';
import { compareOutputs, DEFAULT_THRESHOLDS, failedChecks, median } from '../../../src/workflows/parity/compare.ts';
import { meanErrTorso } from '../../../src/eval/metrics.ts';
import { renderParityReport } from '../../../src/workflows/parity/report-html.ts';
import type { ParityJson, ParityResult } from '../../../src/workflows/parity/run.ts';

/** A pose whose torso (kp6 -> kp11) is 0.5 long; the others spread out. */
function pose(shift = 0): Float32Array {
  const p = new Float32Array(34);
  for (let k = 0; k < 17; k++) {
    p[2 * k] = 0.3 + 0.02 * k;
    p[2 * k + 1] = 0.2 + 0.03 * k;
  }
  p[12] = 0.5; p[13] = 0.2; // kp6
  p[22] = 0.5; p[23] = 0.7; // kp11
  for (let k = 0; k < 17; k++) p[2 * k] += shift;
  return p;
}

describe('parity comparisons', () => {
  it('counts windows and values that differ from the simulator', () => {
    const a = Int16Array.from({ length: 34 }, (_, i) => i);
    const b = Int16Array.from(a);
    b[3] = 99;
    b[7] = 98;
    const ref = new Float32Array([...pose(), ...pose()]);
    const c = compareOutputs({ node: [a, b], sim: [a, a], nodeKp: ref, refKp: ref, labels: null });
    expect(c).toMatchObject({ samples: 2, bitExact: false, mismatches: 1, mismatchValues: 2, mismatchWindows: [1], pckRef: null, pckNode: null });
  });

  it('torso-relative errors: a 0.005 shift on a 0.5 torso is 1% everywhere; histogram errors agree with metrics', () => {
    const ref = pose();
    const node = pose(0.005);
    const c = compareOutputs({ node: [new Int16Array(34)], sim: [new Int16Array(34)], nodeKp: node, refKp: ref, labels: ref });
    expect(c.meanErrTorso).toBeCloseTo(0.01, 6);
    expect(c.maxErrTorso).toBeCloseTo(0.01, 6);
    expect(c.pckAgreement).toBe(100);
    expect(c.pckRef).toBe(100);
    expect(c.pckNode).toBe(100);
    expect(c.errTorso.reduce((s, v) => s + v, 0) / c.errTorso.length).toBeCloseTo(meanErrTorso(node, ref), 12);
  });

  it('each failed threshold is one line naming the figure and the limit', () => {
    const ref = pose();
    const node = pose(0.15); // 30% of the torso: every keypoint outside PCK@20
    const c = compareOutputs({ node: [Int16Array.of(1)], sim: [Int16Array.of(2)], nodeKp: node, refKp: ref, labels: ref });
    expect(failedChecks(c, DEFAULT_THRESHOLDS)).toEqual([
      'node differs from the integer simulator in 1 of 1 windows (first: 0); must be bit-exact',
      'mean error 30.000% of torso exceeds --max-mean-err 1.000%',
      'max error 30.000% of torso exceeds --max-max-err 5.000%',
      'torso-PCK@20 agreement with the reference 0.00% is below --min-agreement 99%',
      'torso-PCK@20 vs labels: node 0.00% is 100.00 points below the reference 100.00% (--max-pck-drop 0.3)',
    ]);
    expect(failedChecks({ ...c, bitExact: true, mismatches: 0 }, { maxMeanErr: 1, maxMaxErr: 1, minAgreement: 0, maxPckDrop: 100 })).toEqual([]);
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('the HTML report without labels says so and still draws the histogram and skeletons', () => {
    const ref = new Float32Array([...pose(), ...pose()]);
    const node = new Float32Array([...pose(0.001), ...pose(0.002)]);
    const comparison = compareOutputs({ node: [new Int16Array(34), new Int16Array(34)], sim: [new Int16Array(34), new Int16Array(34)], nodeKp: node, refKp: ref, labels: null });
    const json = { samples: 2, bitExact: true, mismatches: 0, meanErrTorso: comparison.meanErrTorso, maxErrTorso: comparison.maxErrTorso, pckAgreement: 100, pckRef: null, pckNode: null, cyclesMedian: 5, cycleHz: 0, usMedian: null, timeouts: 0, retries: 0, lostWindows: [], failed: [], pass: true, port: '/dev/x', chip: 'c<3', firmwareVersion: '1', virtual: false, model: 'm', modelSha256: 'a', nodeModelSha256: 'a' } as unknown as ParityJson;
    const html = renderParityReport({ json, comparison, nodeKp: node, refKp: ref, labels: null, windowIndex: [0, 1], failed: [] } as ParityResult);
    expect(html).toContain('No labels given: no PCK against ground truth.');
    expect((html.match(/<svg /g) ?? []).length).toBe(1 + 2);
    expect(html).toContain('c&lt;3'); // text is escaped
    // Window 0's 17 errors (0.2% of torso) fall in the middle bin, window 1's (0.4%, the maximum) in the last.
    expect(html.match(/<title>17 keypoints<\/title>/g)).toHaveLength(2);
    expect(html).toContain('n/a / n/a'); // no labels: no PCK figures
  });
});
