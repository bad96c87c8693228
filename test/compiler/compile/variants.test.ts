// The compiler handles the model family, not one export: every variant the reference script produced under
// test/fixtures/variants (post/pre-norm, ReLU/GELU, d 48/64/96, 1-2 layers, 2-4 heads, with/without the
// graph head, opset 13/17; untrained weights) compiles, matches the simulator bit for bit and the reference
// output within the thresholds (labels are meaningless for untrained weights).
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/paths.ts';
import { figures, runParity } from './harness.ts';

const ROOT = join(REPO_ROOT, 'test', 'fixtures', 'variants');
const variants = readdirSync(ROOT).filter((d) => existsSync(join(ROOT, d, 'model.onnx')) && existsSync(join(ROOT, d, 'weights_int4.npz')));

describe('model-family variants', () => {
  it('there are at least four variants to compile', () => {
    expect(variants.length).toBeGreaterThanOrEqual(4);
  });

  for (const v of variants) {
    it(`${v}: bit-exact C, and within 1% mean / 5% max torso error and 99% PCK of the reference`, async () => {
      const f = figures(await runParity(join(ROOT, v, 'model.onnx'), join(ROOT, v, 'weights_int4.npz'), 4));
      process.stdout.write(`${v}: ${JSON.stringify(f)}\n`);
      expect(f.simVsCDifferences).toBe(0);
      expect(f.meanErrTorso).toBeLessThanOrEqual(0.01);
      expect(f.maxErrTorso).toBeLessThanOrEqual(0.05);
      expect(f.pckVsReference).toBeGreaterThanOrEqual(99);
    });
  }
});
