// The front end preserves the model: for the bundled micro and nano models and every generality variant,
// the float interpreter on the imported graph and on the fully lowered (fused) graph matches onnxruntime-node
// (the independent oracle) on 8 windows of the bundled test set.
//
// Tolerance: max |interpreter - onnxruntime| <= 1e-5 * max(1, max |output|). Both store float32 after every
// op but round in different places (we accumulate dot products and reductions in float64, onnxruntime in
// float32 with SIMD blocking). Measured on all these models (trained micro/nano of 3dc8575): at most 5.4e-7
// for outputs up to ~0.9, i.e. a few float32 ulps, so 1e-5 leaves a ~20x margin while a real semantic error (a wrong transpose, scale, axis
// or head layout) shows up as 1e-2 or more.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadOnnx } from '../../../src/compiler/onnx/load.ts';
import { importOnnx } from '../../../src/compiler/onnx/import.ts';
import { lower } from '../../../src/compiler/lower.ts';
import { MODELS_DIR, REPO_ROOT } from '../../../src/paths.ts';
import { maxAbs, maxAbsDiff, runInterpreter, runOrt, testWindows } from './oracle.ts';

const variantsDir = join(REPO_ROOT, 'test', 'fixtures', 'variants');
const variants = existsSync(variantsDir)
  ? readdirSync(variantsDir).filter((d) => existsSync(join(variantsDir, d, 'model.onnx'))).map((d) => join(variantsDir, d, 'model.onnx'))
  : [];
// micro and nano are required (loadOnnx fails the test if they are missing); the fp32 exports are what
// `compile --bits 8` lowers; variants are whatever the reference script has produced.
const models = [
  join(MODELS_DIR, 'micro', 'micro.onnx'),
  join(MODELS_DIR, 'nano', 'nano.onnx'),
  join(MODELS_DIR, 'micro', 'micro_fp32.onnx'),
  join(MODELS_DIR, 'nano', 'nano_fp32.onnx'),
  ...variants,
];

/** Ops a lowered model of the family may contain: the fused catalogue plus the primitives the back end handles. */
const BACKEND_OPS = new Set(['pe.MinMaxNormalize', 'pe.FakeQuant', 'pe.Linear', 'pe.LayerNorm', 'pe.Gelu', 'pe.Attention', 'pe.AttentionPool', 'pe.MatMulConst', 'pe.Reshape', 'Add', 'Relu']);

describe('lowered models match onnxruntime-node', () => {
  const windows = testWindows(8);
  for (const path of models) {
    it(path.slice(REPO_ROOT.length), async () => {
      const { model, bytes } = loadOnnx(path);
      const ref = await runOrt(bytes, windows);
      const tol = 1e-5 * Math.max(1, maxAbs(ref));
      const imported = runInterpreter(importOnnx(model, path), windows);
      expect(maxAbsDiff(imported, ref)).toBeLessThanOrEqual(tol);
      const g = lower(model, path);
      const lowered = runInterpreter(g, windows);
      expect(maxAbsDiff(lowered, ref)).toBeLessThanOrEqual(tol);
      const leftovers = g.nodes.filter((n) => !BACKEND_OPS.has(n.op)).map((n) => `${n.name} (${n.op})`);
      expect(leftovers).toEqual([]);
    });
  }
});
