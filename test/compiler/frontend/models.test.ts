// The front end preserves the model: for the bundled micro and nano models and every generality variant,
// the float interpreter on the imported graph and on the fully lowered (fused) graph matches onnxruntime-node
// (the independent oracle) on 8 windows of the bundled test set.
//
// Tolerance: max |interpreter - onnxruntime| <= 1e-4 * max(1, max |output|). Both compute in float32 but in
// different orders (we accumulate dot products and reductions in float64, onnxruntime in float32 with SIMD
// blocking); through ~10 layers those rounding differences stay around 1e-6 relative, so 1e-4 leaves a wide
// margin while any real semantic error (a wrong transpose, scale or axis) shows up as 1e-2 or more.
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
const models = [join(MODELS_DIR, 'micro', 'micro.onnx'), join(MODELS_DIR, 'nano', 'nano.onnx'), ...variants];

/** Ops a lowered model of the family may contain: the fused catalogue plus the primitives the back end handles. */
const BACKEND_OPS = new Set(['pe.MinMaxNormalize', 'pe.Linear', 'pe.LayerNorm', 'pe.Gelu', 'pe.Attention', 'pe.AttentionPool', 'pe.MatMulConst', 'pe.Reshape', 'Add', 'Relu']);

describe('lowered models match onnxruntime-node', () => {
  const windows = testWindows(8);
  for (const path of models) {
    it(path.slice(REPO_ROOT.length), async () => {
      const { model, bytes } = loadOnnx(path);
      const ref = await runOrt(bytes, windows);
      const tol = 1e-4 * Math.max(1, maxAbs(ref));
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
