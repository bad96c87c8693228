// Maps the tensors of a pose-edge-qweights npz (PyTorch state_dict names) onto the float initializers of
// an exported ONNX graph. torch.onnx.export renames and reshapes parameters: a Linear applied to a 3-D
// input becomes a MatMul on a transposed copy named like `onnx::MatMul_123`, a 2-D Linear stays a Gemm
// (transB=1) keeping `head.fc1.weight`, and parameters with identical values (an untrained model's zero
// biases, unit LayerNorm gains) are deduplicated into one initializer plus Identity nodes whose outputs
// carry the other names. So: match by name first (an Identity output of an initializer counts as a name),
// then by shape or transposed shape AND values. Values always have to agree: a quantized tensor's float
// initializer must lie within half a quantization step of the dequantized npz values, a float tensor
// within 1e-6 relative, so a weights file that belongs to another model is an error, not a silent mix.
import type { onnx } from 'onnx-proto';
import { PoseEdgeError } from '../../errors.ts';
import { OPS } from '../ops/index.ts';
import { halfStep, type QWeights, type QWeightTensor } from './qweights.ts';

export class WeightMapError extends PoseEdgeError {}

export interface WeightMapEntry {
  npzKey: string;
  /** The ONNX initializer that holds this tensor's values. */
  initializer: string;
  /** The initializer is the 2-D npz tensor transposed (a torch Linear exported as MatMul). */
  transposed: boolean;
  /** The npz (state_dict) shape. */
  shape: number[];
  /** 4 or 8 for quantized tensors, 32 for tensors that stay float. */
  bits: 4 | 8 | 32;
  matchedBy: 'name' | 'values';
  /**
   * Set when torch deduplicated this parameter: the graph reads it as the output of an Identity node
   * named `via` whose input is `initializer` (shared with another npz key of equal values).
   */
  via?: string;
}

/** Relative tolerance for float tensors: they are copies of the same float32 values. */
const FLOAT_REL_TOL = 1e-6;
/** Slack on half a step for float32 rounding of q*scale and of the latent weight itself. */
const HALF_STEP_SLACK = 1 + 1e-5;

interface Initializer {
  name: string;
  dims: number[];
  values: Float32Array;
}

export function mapWeights(model: onnx.IModelProto, weights: QWeights, modelName = 'model'): WeightMapEntry[] {
  const graph = model.graph ?? {};
  const inits = new Map<string, Initializer>();
  for (const t of graph.initializer ?? []) {
    if (t.dataType === 1 && t.name) inits.set(t.name, { name: t.name, dims: (t.dims ?? []).map(Number), values: initializerFloats(t) });
  }
  const aliasOf = new Map<string, string>();
  for (const n of graph.node ?? []) {
    if (n.opType === 'Identity' && n.input?.[0] && inits.has(n.input[0]) && n.output?.[0]) aliasOf.set(n.output[0], n.input[0]);
  }

  const entries: WeightMapEntry[] = [];
  const problems: string[] = [];
  const pending: QWeightTensor[] = [];

  for (const t of weights.tensors.values()) {
    const initName = inits.has(t.name) ? t.name : aliasOf.get(t.name);
    if (initName === undefined) {
      pending.push(t);
      continue;
    }
    const init = inits.get(initName)!;
    const orientation = fitOrientation(t, init);
    if (orientation === 'shape') {
      problems.push(`${t.name} ${describe(t)} has the name of ONNX initializer ${init.name} [${init.dims.join(',')}], but the shapes differ`);
      continue;
    }
    if (orientation === 'values') {
      problems.push(`${t.name} ${describe(t)} has the name of ONNX initializer ${init.name}, but ${valueDiff(t, init)}`);
      continue;
    }
    const via = initName !== t.name ? t.name : undefined;
    entries.push({ npzKey: t.name, initializer: initName, transposed: orientation === 'transposed', shape: t.shape, bits: t.bits, matchedBy: 'name', ...(via ? { via } : {}) });
  }

  // Value matching: each remaining npz tensor lists the free initializers it fits; a tensor with exactly
  // one candidate takes it, which can make others unique in turn. What stays open is ambiguous or unmatched.
  const claimed = new Set(entries.map((e) => e.initializer));
  const options = new Map<QWeightTensor, { init: string; transposed: boolean }[]>();
  for (const t of pending) {
    const fits: { init: string; transposed: boolean }[] = [];
    for (const init of inits.values()) {
      if (claimed.has(init.name)) continue;
      const o = fitOrientation(t, init);
      if (o === 'plain' || o === 'transposed') fits.push({ init: init.name, transposed: o === 'transposed' });
    }
    options.set(t, fits);
  }
  for (let progress = true; progress; ) {
    progress = false;
    for (const [t, fits] of options) {
      const free = fits.filter((f) => !claimed.has(f.init));
      options.set(t, free);
      if (free.length !== 1) continue;
      claimed.add(free[0].init);
      entries.push({ npzKey: t.name, initializer: free[0].init, transposed: free[0].transposed, shape: t.shape, bits: t.bits, matchedBy: 'values' });
      options.delete(t);
      progress = true;
    }
  }
  for (const [t, fits] of options) {
    if (fits.length === 0) problems.push(`${t.name} ${describe(t)} matches no ONNX initializer by name, shape and values`);
    else problems.push(`${t.name} ${describe(t)} is ambiguous: its values fit ONNX initializers ${fits.map((f) => f.init + (f.transposed ? ' (transposed)' : '')).join(', ')}`);
  }

  // A weight matrix the graph multiplies by but the npz does not provide would silently keep its float
  // values in the reference model and has no integer weights for the compiler.
  const hasQuantized = [...weights.tensors.values()].some((t) => t.kind === 'quantized');
  if (hasQuantized) {
    for (const name of weightLikeInitializers(graph, inits, aliasOf)) {
      if (!claimed.has(name)) problems.push(`ONNX weight initializer ${name} [${inits.get(name)!.dims.join(',')}] got no npz tensor`);
    }
  }

  if (problems.length > 0) {
    throw new WeightMapError(`${weights.path} does not fit ${modelName}:\n  ${problems.join('\n  ')}`);
  }
  return entries;
}

/** Float32 values of a FLOAT initializer, from raw_data (little-endian) or float_data. */
export function initializerFloats(t: onnx.ITensorProto): Float32Array {
  if (t.rawData && t.rawData.length > 0) {
    const copy = new Uint8Array(t.rawData); // raw_data may sit at an unaligned offset inside the protobuf buffer
    return new Float32Array(copy.buffer, 0, copy.length >> 2);
  }
  return Float32Array.from(t.floatData ?? []);
}

/**
 * Float initializers (rank >= 2) that an op reads as a weight matrix (its OpDef's weightInputs: the B input of
 * a MatMul or Gemm, a Conv's W, ...), directly or through an Identity.
 */
function weightLikeInitializers(graph: onnx.IGraphProto, inits: Map<string, Initializer>, aliasOf: Map<string, string>): string[] {
  const out = new Set<string>();
  for (const n of graph.node ?? []) {
    for (const k of OPS.get(n.opType ?? '')?.weightInputs ?? []) {
      const b = n.input?.[k];
      const name = b && (inits.has(b) ? b : aliasOf.get(b));
      if (name && inits.get(name)!.dims.length >= 2) out.add(name);
    }
  }
  return [...out];
}

type Fit = 'plain' | 'transposed' | 'shape' | 'values';

/**
 * How the npz tensor sits in the initializer: as is, transposed, or not at all (wrong shape / values).
 * The exact transposed shape is tried before a size-1-dimension reshape, so a [1,d] score weight exported
 * as a [d,1] MatMul operand is reported as transposed, which is what it is to the compiler.
 */
function fitOrientation(t: QWeightTensor, init: Initializer): Fit {
  const exact = t.shape.length === init.dims.length && t.shape.every((d, i) => d === init.dims[i]);
  const transShape = t.shape.length === 2 && init.dims.length === 2 && t.shape[0] === init.dims[1] && t.shape[1] === init.dims[0];
  const reshaped = !exact && sameShape(t.shape, init.dims);
  if (!exact && !transShape && !reshaped) return 'shape';
  if (exact && valuesFit(t, init.values, false)) return 'plain';
  if (transShape && valuesFit(t, init.values, true)) return 'transposed';
  if (reshaped && valuesFit(t, init.values, false)) return 'plain';
  return 'values';
}

/** Equal shapes, ignoring size-1 dimensions (constant folding may reshape [1,10,d] to [10,d]). */
function sameShape(a: number[], b: number[]): boolean {
  const sa = a.filter((d) => d !== 1);
  const sb = b.filter((d) => d !== 1);
  return sa.length === sb.length && sa.every((d, i) => d === sb[i]);
}

function valuesFit(t: QWeightTensor, values: Float32Array, transposed: boolean): boolean {
  return worstElement(t, values, transposed) === -1;
}

/** Index (npz order) of the first element outside tolerance, or -1. */
function worstElement(t: QWeightTensor, values: Float32Array, transposed: boolean): number {
  const d = t.dequantized;
  if (values.length !== d.length) return 0;
  const cols = t.shape.length === 2 ? t.shape[1] : 1;
  const rows = t.shape[0];
  for (let i = 0; i < d.length; i++) {
    const v = transposed ? values[(i % cols) * rows + Math.floor(i / cols)] : values[i];
    const tol = t.kind === 'quantized' ? halfStep(t, i) * HALF_STEP_SLACK : FLOAT_REL_TOL * Math.max(Math.abs(v), Math.abs(d[i]));
    if (!(Math.abs(v - d[i]) <= tol)) return i;
  }
  return -1;
}

function valueDiff(t: QWeightTensor, init: Initializer): string {
  const transposed = t.shape.join(',') !== init.dims.join(',') && t.shape.length === 2 && t.shape[0] === init.dims[1];
  const i = worstElement(t, init.values, transposed);
  const cols = t.shape.length === 2 ? t.shape[1] : 1;
  const v = transposed ? init.values[(i % cols) * t.shape[0] + Math.floor(i / cols)] : init.values[i];
  const limit = t.kind === 'quantized' ? `half a quantization step (${halfStep(t, i)})` : `1e-6 relative`;
  return `the values differ: element ${i} is ${v} in the ONNX and ${t.dequantized[i]} in the npz, more than ${limit}`;
}

function describe(t: QWeightTensor): string {
  return `[${t.shape.join(',')}] (${t.kind === 'quantized' ? `int${t.bits}` : 'float'})`;
}
