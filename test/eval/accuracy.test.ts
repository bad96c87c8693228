// The accuracy thresholds of issue 2 ("Done when"), measured on the bundled models and test set.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { DATA_DIR, MODELS_DIR } from '../../src/paths.ts';
import { evaluate } from '../../src/eval/evaluate.ts';

describe('accuracy on the bundled test set (issue 2 "Done when")', () => {
  const bundled = { data: join(DATA_DIR, 'test_X.npy'), labels: join(DATA_DIR, 'test_Y.npy'), meanPose: join(DATA_DIR, 'train_mean_pose.npy') };

  it('fp32 micro beats the mean pose by at least 15 points; int4 QAT micro is within 1.5 points of fp32', async () => {
    const fp32 = await evaluate({ ...bundled, model: join(MODELS_DIR, 'micro', 'micro_fp32.onnx'), weights: null });
    const qat = await evaluate({ ...bundled, model: join(MODELS_DIR, 'micro', 'micro.onnx'), weights: join(MODELS_DIR, 'micro', 'pose_micro_int4.npz') });
    expect(fp32.samples).toBeGreaterThanOrEqual(512);
    expect(fp32.pck20 - fp32.meanPosePck20, `fp32 ${fp32.pck20} vs mean pose ${fp32.meanPosePck20}`).toBeGreaterThanOrEqual(15);
    expect(Math.abs(qat.pck20 - fp32.pck20), `int4 QAT ${qat.pck20} vs fp32 ${fp32.pck20}`).toBeLessThanOrEqual(1.5);
  });
});
