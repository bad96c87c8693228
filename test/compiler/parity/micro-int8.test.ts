// Parity of micro with --bits 8: the fp32-trained model with its int8 PTQ weights (the --bits 8 default).
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../src/cli/commands/compile.ts';
import { figures, runParity, type ParityFigures } from './harness.ts';

let f: ParityFigures;

beforeAll(async () => {
  f = figures(await runParity(DEFAULTS.model8, DEFAULTS.weights8, 8));
  process.stdout.write(`micro int8 parity: ${JSON.stringify(f)}\n`);
});

describe('micro --bits 8: generated C vs simulator vs reference', () => {
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
