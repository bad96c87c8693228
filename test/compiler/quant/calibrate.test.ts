import { describe, expect, it } from 'vitest';
import { CalibrationError, calibrate, rangeOf, type IntermediateRunner } from '../../../src/compiler/quant/calibrate.ts';
import { WINDOW_VALUES as WINDOW_LEN } from '../../../src/data/window.ts';
import { PoseEdgeError } from '../../../src/errors.ts';

describe('calibration ranges', () => {
  it('records min, max, max|x| and the 99.99th percentile of |x|', () => {
    const values = new Float32Array(20000);
    for (let i = 0; i < values.length; i++) values[i] = (i % 2 ? -1 : 1) * (i / 10000);
    values[123] = -50; // one outlier: max|x| sees it, the percentile does not
    const r = rangeOf('t', [values.subarray(0, 5000), values.subarray(5000)]);
    expect(r.min).toBe(-50);
    expect(r.max).toBeCloseTo(1.9998, 4);
    expect(r.maxAbs).toBe(50);
    // |x| sorted: index ceil(0.9999*20000)-1 = 19997; with i=123 replaced by the outlier, the ordinary
    // values above 0.0123 sit one position lower, so that index holds i=19998.
    expect(r.p9999).toBeCloseTo(1.9998, 5);
    expect(r.count).toBe(20000);
  });

  it('runs the windows in batches and concatenates every requested tensor', async () => {
    const calls: number[] = [];
    // A stand-in runner: tensor 'sum' = per-window sum of the window, 'neg' = -first value.
    const run: IntermediateRunner = async (w, n, names) => {
      calls.push(n);
      const sum = new Float32Array(n);
      const neg = new Float32Array(n);
      for (let b = 0; b < n; b++) {
        for (let i = 0; i < WINDOW_LEN; i++) sum[b] += w[b * WINDOW_LEN + i];
        neg[b] = -w[b * WINDOW_LEN];
      }
      expect(names).toEqual(['sum', 'neg']);
      return new Map([['sum', sum], ['neg', neg]]);
    };
    const n = 5;
    const windows = new Float32Array(n * WINDOW_LEN);
    for (let b = 0; b < n; b++) windows.fill(b + 1, b * WINDOW_LEN, (b + 1) * WINDOW_LEN);
    const ranges = await calibrate(run, windows, n, ['sum', 'neg'], { batch: 2 });
    expect(calls).toEqual([2, 2, 1]);
    expect(ranges.get('sum')!.max).toBe(5 * WINDOW_LEN);
    expect(ranges.get('neg')!.min).toBe(-5);
    expect(ranges.get('neg')!.maxAbs).toBe(5);
  });

  it('names a tensor the runner did not return, and a non-finite value', async () => {
    const run: IntermediateRunner = async () => new Map([['a', new Float32Array([NaN])]]);
    const w = new Float32Array(WINDOW_LEN);
    await expect(calibrate(run, w, 1, ['missing'])).rejects.toThrow("did not return tensor 'missing'");
    // Reachable by a user (finite but huge amplitudes overflow the graph): a one-line PoseEdgeError, not a crash.
    await expect(calibrate(run, w, 1, ['a'])).rejects.toThrow(
      new CalibrationError("calibration: tensor 'a' of the reference model is NaN on the calibration windows (they are finite: the graph overflows on them)"),
    );
    await expect(calibrate(run, w, 1, ['a'])).rejects.toBeInstanceOf(PoseEdgeError);
  });
});
