// What an evaluation reads, with the bundled defaults. Kept free of onnxruntime so the CLI can build its
// help text without loading the runtime.
import { PoseEdgeError } from '../errors.ts';
import { BUNDLED, bundledModel } from '../bundled.ts';

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
  model: bundledModel(4).modelPath,
  weights: bundledModel(4).weightsPath,
  data: BUNDLED.testX,
  labels: BUNDLED.testY,
  meanPose: BUNDLED.meanPose,
};
