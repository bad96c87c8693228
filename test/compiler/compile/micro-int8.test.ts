// Parity of micro with --bits 8: the fp32-trained model with its int8 PTQ weights (the --bits 8 default).
import { beforeAll, describe } from 'vitest';
import { bundledModel } from '../../../src/bundled.ts';
import { figures, itMeetsParityThresholds, runParity, type ParityFigures } from './harness.ts';

let f: ParityFigures;

beforeAll(async () => {
  f = figures(await runParity(bundledModel(8).modelPath, bundledModel(8).weightsPath, 8));
  process.stdout.write(`micro int8 parity: ${JSON.stringify(f)}\n`);
});

describe('micro --bits 8: generated C vs simulator vs reference', () => {
  itMeetsParityThresholds(() => f);
});
