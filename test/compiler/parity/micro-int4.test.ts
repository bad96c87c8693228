// Parity of the bundled default (micro, int4 QAT weights, int8 default activations) on every window of the
// bundled test set: the compiled C against the integer simulator (zero differences) and against the
// reference model on onnxruntime-node (issue 3's thresholds).
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MODELS_DIR } from '../../../src/paths.ts';
import { figures, runParity, type ParityFigures, type ParityRun } from './harness.ts';

let run: ParityRun;
let f: ParityFigures;

beforeAll(async () => {
  run = await runParity(join(MODELS_DIR, 'micro', 'micro.onnx'), join(MODELS_DIR, 'micro', 'pose_micro_int4.npz'), 4);
  f = figures(run);
  process.stdout.write(`micro int4 parity over ${run.n} windows: ${JSON.stringify(f)}\n`);
});

describe('micro int4: generated C vs simulator vs reference', () => {
  it('runs the whole bundled test set', () => {
    expect(run.n).toBeGreaterThanOrEqual(512);
  });

  it('the compiled C and the simulator agree bit for bit on every window', () => {
    expect(f.simVsCDifferences).toBe(0);
  });

  it('mean keypoint error <= 1% and max <= 5% of the torso length (reference output as ground truth)', () => {
    expect(f.meanErrTorso).toBeLessThanOrEqual(0.01);
    expect(f.maxErrTorso).toBeLessThanOrEqual(0.05);
  });

  it('torso-PCK@20 of the C output against the reference output is >= 99%', () => {
    expect(f.pckVsReference).toBeGreaterThanOrEqual(99);
  });

  it('torso-PCK@20 against the labels is within 0.3 points of the reference model', () => {
    expect(Math.abs(f.pckCVsLabels - f.pckRefVsLabels)).toBeLessThanOrEqual(0.3);
  });
});
