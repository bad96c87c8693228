// The window writer: shapes, determinism per seed, disjoint splits, finite non-negative values, the
// last-packet label, and the rule that non-finite values leave as 0.
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/data/csisim/config.ts';
import { LABEL_VALUES, WINDOW_VALUES, meanPose, sequenceSeed, synthesize } from '../../src/data/csisim/dataset.ts';
import { replaceNonFinite } from '../../src/data/nonfinite.ts';
import { reportAmplitude } from '../../src/data/csisim/channel.ts';
import { SUBCARRIERS } from '../../src/data/csisim/band.ts';

const cfg = makeConfig();

describe('synthesize', () => {
  const a = synthesize({ split: 'train', windows: 70, seed: 5, config: cfg });

  it('writes X [N,3,114,10] and Y [N,17,2] as float32, in sequences of windowsPerSequence', () => {
    expect(a.X).toBeInstanceOf(Float32Array);
    expect(a.X.length).toBe(70 * 3 * 114 * 10);
    expect(a.Y.length).toBe(70 * 17 * 2);
    expect(a.sequences).toBe(Math.ceil(70 / cfg.windowsPerSequence));
    expect(a.sequenceSeeds.length).toBe(a.sequences);
  });

  it('gives finite, non-negative amplitudes at the AGC level and keypoints around the image', () => {
    let sum = 0;
    let bad = 0;
    for (const v of a.X) {
      if (!Number.isFinite(v) || v < 0) bad++;
      sum += v;
    }
    expect(bad).toBe(0);
    // |H| has RMS agcTargetRms per packet; its mean is somewhat lower (fading), AGC error is +-0.5 dB.
    const mean = sum / a.X.length;
    expect(mean).toBeGreaterThan(0.6 * cfg.agcTargetRms);
    expect(mean).toBeLessThan(1.05 * cfg.agcTargetRms);
    expect(Math.min(...a.Y)).toBeGreaterThan(-0.2);
    expect(Math.max(...a.Y)).toBeLessThan(1.2);
    expect(a.replacedNonFinite).toBe(0);
  });

  it('varies along the packet axis: a moving subject changes the CSI within a window', () => {
    // X[0, link 0, subcarrier k, packet p] = X[k*10 + p]: look for any subcarrier whose 10 packets differ.
    let varying = 0;
    for (let k = 0; k < SUBCARRIERS; k++) {
      const row = a.X.subarray(k * 10, k * 10 + 10);
      if (Math.max(...row) - Math.min(...row) > 1) varying++;
    }
    expect(varying).toBeGreaterThan(10);
  });

  it('is deterministic per (split, seed) and changes with either', () => {
    const again = synthesize({ split: 'train', windows: 70, seed: 5, config: cfg });
    expect(Buffer.from(again.X.buffer).equals(Buffer.from(a.X.buffer))).toBe(true);
    expect(Buffer.from(again.Y.buffer).equals(Buffer.from(a.Y.buffer))).toBe(true);
    const otherSeed = synthesize({ split: 'train', windows: 70, seed: 6, config: cfg });
    expect(Buffer.from(otherSeed.Y.buffer).equals(Buffer.from(a.Y.buffer))).toBe(false);
    // A shorter run is a prefix of a longer one: window i never depends on how many follow.
    const prefix = synthesize({ split: 'train', windows: 40, seed: 5, config: cfg });
    expect(Buffer.from(prefix.X.buffer).equals(Buffer.from(a.X.buffer, 0, 40 * WINDOW_VALUES * 4))).toBe(true);
  });

  it('never shares a sequence or a window between train, test and calib, even with the same seed', () => {
    const test = synthesize({ split: 'test', windows: 70, seed: 5, config: cfg });
    const calib = synthesize({ split: 'calib', windows: 70, seed: 5, config: cfg });
    const seeds = new Set<number>();
    for (const split of ['train', 'test', 'calib'] as const) for (let s = 0; s < 1000; s++) seeds.add(sequenceSeed(split, 5, s));
    expect(seeds.size).toBe(3000);
    const labels = new Set<string>();
    for (const r of [a, test, calib]) {
      for (let n = 0; n < 70; n++) labels.add(Buffer.from(r.Y.buffer, n * LABEL_VALUES * 4, LABEL_VALUES * 4).toString('hex'));
    }
    expect(labels.size).toBe(210);
  });

  it('rejects a bad window count, seed, split or stride with a message naming it', () => {
    expect(() => synthesize({ split: 'train', windows: 0, seed: 0, config: cfg })).toThrow('--windows 0: expected an integer >= 1');
    expect(() => synthesize({ split: 'train', windows: 1, seed: -1, config: cfg })).toThrow('--seed -1: expected an integer in [0, 4294967295]');
    expect(() => synthesize({ split: 'dev' as 'train', windows: 1, seed: 0, config: cfg })).toThrow("split 'dev': expected one of train, test, calib");
    expect(() => synthesize({ split: 'train', windows: 1, seed: 0, config: { ...cfg, windowStride: 5 } })).toThrow(
      'knob windowStride: 5 is below 10 (overlapping windows are not supported)',
    );
  });
});

describe('receiver gain', () => {
  /** RMS over subcarriers of every (window, link, packet) column of X. */
  function columnRms(X: Float32Array, windows: number): number[] {
    const out: number[] = [];
    for (let n = 0; n < windows; n++) {
      for (let l = 0; l < 3; l++) {
        for (let p = 0; p < 10; p++) {
          let s = 0;
          for (let k = 0; k < SUBCARRIERS; k++) s += X[n * WINDOW_VALUES + (l * SUBCARRIERS + k) * 10 + p] ** 2;
          out.push(Math.sqrt(s / SUBCARRIERS));
        }
      }
    }
    return out;
  }
  const exact = { agcJitterDb: 0, quantizeInt8: false };

  it('a per-packet AGC brings every packet on every link to the target RMS', () => {
    const r = synthesize({ split: 'test', windows: 4, seed: 1, config: makeConfig({ ...exact, agcLocked: false }) });
    for (const v of columnRms(r.X, 4)) expect(v).toBeCloseTo(cfg.agcTargetRms, 3);
  });

  it('a locked gain keeps the power differences that the body causes between packets and links', () => {
    const r = synthesize({ split: 'test', windows: 4, seed: 1, config: makeConfig({ ...exact, agcLocked: true }) });
    const rms = columnRms(r.X, 4);
    const spread = Math.max(...rms) / Math.min(...rms);
    expect(spread).toBeGreaterThan(1.05);
    // ...around the target the gain was locked to (the empty room's mean power).
    const mean = rms.reduce((a, b) => a + b, 0) / rms.length;
    expect(mean / cfg.agcTargetRms).toBeGreaterThan(0.5);
    expect(mean / cfg.agcTargetRms).toBeLessThan(1.5);
  });
});

describe('non-finite values', () => {
  it('leave the writer as 0 and are counted', () => {
    const x = Float32Array.from([1, NaN, Infinity, -Infinity, 2]);
    expect(replaceNonFinite(x, 0, 5)).toEqual({ count: 3, nan: 1, posInf: 1, negInf: 1, firstIndex: 1 });
    expect(Array.from(x)).toEqual([1, 0, 0, 0, 2]);
  });

  it('a channel that overflows (an Inf path amplitude) reports NaN, which the writer turns into 0', () => {
    const re = new Float64Array(SUBCARRIERS).fill(1);
    const im = new Float64Array(SUBCARRIERS);
    re[3] = Infinity;
    const out = new Float32Array(SUBCARRIERS);
    reportAmplitude(re, im, 20, 0, false, out, 0, 1);
    expect(out.some((v) => Number.isNaN(v))).toBe(true);
    replaceNonFinite(out, 0, SUBCARRIERS);
    expect(out.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
  });
});

describe('meanPose', () => {
  it('averages each of the 34 coordinates over the windows', () => {
    const Y = new Float32Array(2 * LABEL_VALUES);
    for (let j = 0; j < LABEL_VALUES; j++) {
      Y[j] = j;
      Y[LABEL_VALUES + j] = 3 * j;
    }
    expect(Array.from(meanPose(Y))).toEqual(Array.from({ length: LABEL_VALUES }, (_, j) => 2 * j));
  });
});
