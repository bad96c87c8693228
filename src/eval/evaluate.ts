// Evaluates a reference model (ONNX, optionally with npz weights applied) on a labelled CSI set against
// the ground truth and against the mean-pose baseline. Used by `pose-edge eval` and bench/accuracy.ts.
import { expectArray, readNpy } from '../io/npy.ts';
import { sanitizeWindows } from '../data/nonfinite.ts';
import { checkFiniteKeypoints, checkLabels } from '../data/labels.ts';
import { loadReferenceModel, runReference, type FloatTensor } from '../compiler/reference/model.ts';
import { KEYPOINTS, meanErrTorso, mpjpe, repeatPose, torsoPck20 } from './metrics.ts';
import { EvalInputError, type EvalInputs } from './inputs.ts';

export interface EvalResult {
  model: string;
  weights: string | null;
  data: string;
  labels: string;
  samples: number;
  /** torso-PCK@20 in percent. */
  pck20: number;
  /** Mean Euclidean keypoint error in label units (normalized image coordinates). */
  mpjpe: number;
  /** Mean keypoint error as a fraction of the sample's torso length. */
  meanErrTorso: number;
  perKeypointPck20: number[];
  meanPosePck20: number;
  meanPoseMpjpe: number;
  /** Float values stored in the ONNX initializers (ReferenceModel.storedParams). */
  params: number;
  /** NaN and +-Inf amplitudes of --data replaced by 0 before the model ran (README, the data rule). */
  nonFinite: number;
}

export interface LabelledSet {
  X: FloatTensor;
  Y: Float32Array;
  samples: number;
  /** Non-finite amplitudes replaced by 0 in X. */
  nonFinite: number;
  /** The warning line for them (null when there were none). */
  warning: string | null;
}

/**
 * Reads X float32 [N,3,114,10] and Y float32 [N,17,2]; errors name the file that does not fit. NaN and
 * +-Inf amplitudes in X are replaced by 0 and counted; labels must be finite with a non-zero torso.
 */
export function loadLabelledSet(dataPath: string, labelsPath: string): LabelledSet {
  const x = readNpy(dataPath, '--data, CSI windows');
  expectArray(x, dataPath, 'f4', [null, 3, 114, 10]);
  const y = readNpy(labelsPath, '--labels, keypoints');
  expectArray(y, labelsPath, 'f4', [null, KEYPOINTS, 2]);
  if (x.shape[0] !== y.shape[0]) {
    throw new EvalInputError(`${labelsPath}: has ${y.shape[0]} poses, but ${dataPath} has ${x.shape[0]} windows`);
  }
  if (x.shape[0] === 0) throw new EvalInputError(`${dataPath}: has no windows to evaluate`);
  checkLabels(y.data as Float32Array, labelsPath);
  const X = x.data as Float32Array;
  const clean = sanitizeWindows(X, dataPath);
  return { X: { dims: x.shape, data: X }, Y: y.data as Float32Array, samples: x.shape[0], nonFinite: clean.count, warning: clean.warning };
}

export function loadMeanPose(path: string): Float32Array {
  const p = readNpy(path, '--mean-pose');
  expectArray(p, path, 'f4', [KEYPOINTS, 2]);
  checkFiniteKeypoints(p.data as Float32Array, path, 0);
  return p.data as Float32Array;
}

export interface EvaluateOptions {
  /** Receives each warning line (non-finite amplitudes replaced); the CLI prints them on stderr. */
  onWarning?: (message: string) => void;
}

export async function evaluate(inputs: EvalInputs, opts: EvaluateOptions = {}): Promise<EvalResult> {
  const set = loadLabelledSet(inputs.data, inputs.labels);
  if (set.warning) opts.onWarning?.(set.warning);
  const meanPose = loadMeanPose(inputs.meanPose);
  const ref = loadReferenceModel(inputs.model, inputs.weights);
  const pred = await runReference(ref.bytes, set.X, { where: inputs.model, data: `the windows of ${inputs.data}` });
  if (pred.dims.join(',') !== [set.samples, KEYPOINTS, 2].join(',')) {
    throw new EvalInputError(`${inputs.model}: outputs [${pred.dims.join(',')}] for ${set.samples} windows, expected [${set.samples},${KEYPOINTS},2]`);
  }
  const pck = torsoPck20(pred.data, set.Y);
  const baseline = repeatPose(meanPose, set.samples);
  return {
    model: inputs.model,
    weights: inputs.weights,
    data: inputs.data,
    labels: inputs.labels,
    samples: set.samples,
    pck20: pck.overall,
    mpjpe: mpjpe(pred.data, set.Y),
    meanErrTorso: meanErrTorso(pred.data, set.Y),
    perKeypointPck20: pck.perKeypoint,
    meanPosePck20: torsoPck20(baseline, set.Y).overall,
    meanPoseMpjpe: mpjpe(baseline, set.Y),
    params: ref.storedParams,
    nonFinite: set.nonFinite,
  };
}
