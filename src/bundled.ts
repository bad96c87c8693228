// The bundled default model, data sets and generated component (README, "Models and data"): what every
// command uses when the user names nothing. One place, so `compile`, `parity`, `bench` and `eval` cannot
// drift apart in what "the default model" means.
import { join } from 'node:path';
import { DATA_DIR, FIRMWARE_DIR, MODELS_DIR } from './paths.ts';

export interface ModelFiles {
  modelPath: string;
  weightsPath: string;
}

/** micro int4 QAT (the default), and the int8 PTQ weights of the fp32-trained micro (they belong to that ONNX, not the QAT one). */
const MICRO: Record<4 | 8, ModelFiles> = {
  4: { modelPath: join(MODELS_DIR, 'micro', 'micro.onnx'), weightsPath: join(MODELS_DIR, 'micro', 'pose_micro_int4.npz') },
  8: { modelPath: join(MODELS_DIR, 'micro', 'micro_fp32.onnx'), weightsPath: join(MODELS_DIR, 'micro', 'pose_micro_int8.npz') },
};

export const BUNDLED = {
  /** Calibration windows, float32 [256,3,114,10]. */
  calib: join(DATA_DIR, 'calib_X.npy'),
  /** The held-out test set: windows [512,3,114,10] and keypoints [512,17,2]. */
  testX: join(DATA_DIR, 'test_X.npy'),
  testY: join(DATA_DIR, 'test_Y.npy'),
  /** The training set's mean pose [17,2] (the mean-pose baseline). */
  meanPose: join(DATA_DIR, 'train_mean_pose.npy'),
  /** The committed component generated from the default model. */
  component: join(FIRMWARE_DIR, 'components', 'pose_model'),
  /** The default activation precision. */
  actBits: 8 as 8 | 16,
};

/** The bundled micro model and weights for --bits 4 (QAT) or 8 (PTQ). */
export function bundledModel(bits: 4 | 8): ModelFiles {
  return MICRO[bits];
}

/** The activation flags a bundled model deploys with: --act-bits and, where set, --tensor-bits. */
export interface DeployFlags {
  actBits: 8 | 16;
  tensorBits?: ReadonlyMap<string, 8 | 16>;
}

/**
 * Deployed flags of the bundled models that do not use the defaults (docs/accuracy.md says why): cnn keeps its
 * conv stack int16 (at int8 the rounding reaches 12% of the torso) except the first conv's output, whose int8
 * lets the second conv, 45% of the MACs, run the two-lane int8 kernel within parity's bounds (max 4.0%).
 */
export const DEPLOYED: Record<string, DeployFlags> = {
  cnn: { actBits: 16, tensorBits: new Map([['/conv1/conv1.2/Relu_output_0', 8]]) },
};

/** The flags for a bundled model family (the defaults when it has no entry in DEPLOYED). */
export function deployFlags(family: string): DeployFlags {
  return DEPLOYED[family] ?? { actBits: BUNDLED.actBits };
}

