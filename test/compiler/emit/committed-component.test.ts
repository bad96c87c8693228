// The component generated from the bundled default is committed (so `idf.py build` works from a clone);
// regenerating it must give identical bytes, otherwise the commit is stale. Regenerate with:
//   node bin/pose-edge.mjs compile
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileModel } from '../../../src/compiler/compile.ts';
import { BUNDLED, bundledModel } from '../../../src/bundled.ts';
import { snapshot } from '../../helpers/fs-snapshot.ts';

describe('committed firmware/components/pose_model', () => {
  it('is byte-identical to what compile produces from the bundled default', async () => {
    const r = await compileModel({
      modelPath: bundledModel(4).modelPath, weightsPath: bundledModel(4).weightsPath, bits: 4, actBits: BUNDLED.actBits,
      calibPath: BUNDLED.calib, outDir: BUNDLED.component, write: false,
    });
    expect(existsSync(BUNDLED.component), `${BUNDLED.component} is missing: run 'node bin/pose-edge.mjs compile'`).toBe(true);
    expect([...snapshot(BUNDLED.component).keys()].sort()).toEqual([...r.files.keys()].sort()); // kernels/ included
    for (const [name, text] of r.files) {
      expect(readFileSync(join(BUNDLED.component, name), 'utf8') === text, `${name} is stale: run 'node bin/pose-edge.mjs compile'`).toBe(true);
    }
  });
});
