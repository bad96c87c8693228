// Issue 4's end-to-end check: compile the bundled micro int4 model into a fresh directory, build the
// virtual node with it, and over its pty the KEYPOINTS for test windows equal the integer simulator's
// output exactly, and INFO carries the compiled model's SHA-256.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/compiler/compile.ts';
import { quantizeInput } from '../../src/compiler/io-format.ts';
import { simulate } from '../../src/compiler/sim/run.ts';
import { readNpy } from '../../src/io/npy.ts';
import { DATA_DIR, MODELS_DIR } from '../../src/paths.ts';
import { NodeSession } from '../../src/host/protocol/index.ts';
import { SerialTransport } from '../../src/host/transport/serial.ts';
import { startVirtualNode, type VirtualNode } from '../../src/host/virtual-node.ts';
import { tempBuildDir } from './helpers.ts';

const buildDir = tempBuildDir('sim');
let node: VirtualNode | undefined;
afterAll(async () => {
  await node?.stop();
});

describe('virtual node vs the integer simulator', () => {
  it('KEYPOINTS equal the simulator bit for bit on test windows (micro int4)', async () => {
    const outDir = join(buildDir, 'pose_model');
    const compiled = await compileModel({
      modelPath: join(MODELS_DIR, 'micro', 'micro.onnx'),
      weightsPath: join(MODELS_DIR, 'micro', 'pose_micro_int4.npz'),
      bits: 4,
      actBits: 8,
      calibPath: join(DATA_DIR, 'calib_X.npy'),
      outDir,
    });
    node = await startVirtualNode({ modelDir: outDir, buildDir });
    const t = await SerialTransport.open(node.port, 921600);
    const s = new NodeSession(t, 10_000);
    try {
      const info = await s.hello();
      expect(info.modelSha256).toBe(compiled.report.modelSha256);
      expect(info.inputFracBits).toBe(compiled.report.inputFracBits);
      const X = readNpy(join(DATA_DIR, 'test_X.npy'));
      const data = X.data as Float32Array;
      for (let i = 0; i < 16; i++) {
        const w = quantizeInput(data.subarray(i * 3420, (i + 1) * 3420), compiled.report.inputFracBits);
        const kp = await s.runWindow(i, w);
        expect(Array.from(kp.keypoints), `window ${i}`).toEqual(Array.from(simulate(compiled.qgraph, w).output));
      }
    } finally {
      s.close();
      await t.close();
    }
  });
});
