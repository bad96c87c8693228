// Parity of nano (d=48, no graph head) with its int4 QAT weights.
import { beforeAll, describe } from 'vitest';
import { join } from 'node:path';
import { MODELS_DIR } from '../../../src/paths.ts';
import { figures, itMeetsParityThresholds, runParity, type ParityFigures } from './harness.ts';

let f: ParityFigures;

beforeAll(async () => {
  f = figures(await runParity(join(MODELS_DIR, 'nano', 'nano.onnx'), join(MODELS_DIR, 'nano', 'pose_nano_int4.npz'), 4));
  process.stdout.write(`nano int4 parity: ${JSON.stringify(f)}\n`);
});

describe('nano int4: generated C vs simulator vs reference', () => {
  itMeetsParityThresholds(() => f);
});
