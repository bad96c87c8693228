// What an evaluation reads, with the bundled defaults. Kept free of onnxruntime so the CLI can build its
// help text without loading the runtime.
import { join } from 'node:path';
import { PoseEdgeError } from '../cli/errors.ts';
import { DATA_DIR, MODELS_DIR } from '../paths.ts';

export class EvalInputError extends PoseEdgeError {}

export interface EvalInputs {
  model: string;
  /** null: the ONNX as exported. */
  weights: string | null;
  data: string;
  labels: string;
  meanPose: string;
}

export const DEFAULTS: EvalInputs & { weights: string } = {
  model: join(MODELS_DIR, 'micro', 'micro.onnx'),
  weights: join(MODELS_DIR, 'micro', 'pose_micro_int4.npz'),
  data: join(DATA_DIR, 'test_X.npy'),
  labels: join(DATA_DIR, 'test_Y.npy'),
  meanPose: join(DATA_DIR, 'train_mean_pose.npy'),
};
