// Parity of nano (d=48, no graph head) with its int4 QAT weights.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MODELS_DIR } from '../../../src/paths.ts';
import { figures, runParity, type ParityFigures } from './harness.ts';

let f: ParityFigures;

beforeAll(async () => {
  f = figures(await runParity(join(MODELS_DIR, 'nano', 'nano.onnx'), join(MODELS_DIR, 'nano', 'pose_nano_int4.npz'), 4));
  process.stdout.write(`nano int4 parity: ${JSON.stringify(f)}\n`);
});

describe('nano int4: generated C vs simulator vs reference', () => {
  it('the compiled C and the simulator agree bit for bit on every window', () => {
    expect(f.simVsCDifferences).toBe(0);
  });
  it('mean keypoint error <= 1% and max <= 5% of the torso length', () => {
    expect(f.meanErrTorso).toBeLessThanOrEqual(0.01);
    expect(f.maxErrTorso).toBeLessThanOrEqual(0.05);
  });
  it('torso-PCK@20 against the reference output >= 99%', () => {
    expect(f.pckVsReference).toBeGreaterThanOrEqual(99);
  });
  it('torso-PCK@20 against the labels within 0.3 points of the reference model', () => {
    expect(Math.abs(f.pckCVsLabels - f.pckRefVsLabels)).toBeLessThanOrEqual(0.3);
  });
});
