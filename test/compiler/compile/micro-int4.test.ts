// Parity of the bundled default (micro, int4 QAT weights, int8 default activations) on every window of the
// bundled test set: the compiled C against the integer simulator (zero differences) and against the
// reference model on onnxruntime-node (issue 3's thresholds).
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MODELS_DIR } from '../../../src/paths.ts';
import { figures, itMeetsParityThresholds, runParity, type ParityFigures, type ParityRun } from './harness.ts';

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

  itMeetsParityThresholds(() => f);
});
