// The reference model: the exported ONNX graph with its weight initializers replaced by the dequantized
// npz values (transposed back where torch exported a transposed copy), run on onnxruntime-node. It is the
// independent oracle every integer result is compared with, and the compiler's calibration runs it with
// intermediate tensors exposed (runWithIntermediates).
import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { loadOnnx, onnxPb as pb } from '../compiler/onnx/load.ts';
import { readQWeights, type QWeights } from '../compiler/quant/qweights.ts';
import { mapWeights, type WeightMapEntry } from '../compiler/quant/weight-map.ts';
import { PoseEdgeError } from '../cli/errors.ts';

export class ReferenceModelError extends PoseEdgeError {}

/** A float tensor in row-major order; dims[0] is the batch for model inputs and outputs. */
export interface FloatTensor {
  dims: number[];
  data: Float32Array;
}

/** What onnxruntime returns for a fetched tensor (intermediates may be int64 shape tensors, for example). */
export interface FetchedTensor {
  type: ort.Tensor['type'];
  dims: number[];
  data: ort.Tensor['data'];
}

export interface ReferenceModel {
  modelPath: string;
  /** null: the ONNX as exported (`--weights none`). */
  weightsPath: string | null;
  /** Serialized ONNX with the npz weights applied, ready for onnxruntime. */
  bytes: Uint8Array;
  /** How the npz tensors were placed ([] without weights). */
  weightMap: WeightMapEntry[];
  /**
   * Float values in the ONNX initializers, counting an Identity-tied (deduplicated) parameter once per
   * name. This is the stored model size: it includes non-trainable constants torch keeps as initializers
   * (e.g. micro's fixed 17x17 adjacency), so it can exceed PyTorch's parameter count by those.
   */
  storedParams: number;
}

/** Loads the ONNX file and, unless weightsPath is null, maps and applies the npz weights. */
export function loadReferenceModel(modelPath: string, weightsPath: string | null): ReferenceModel {
  const { model, bytes } = loadOnnx(modelPath);
  const storedParams = countStoredParams(model);
  if (weightsPath === null) return { modelPath, weightsPath, bytes, weightMap: [], storedParams };
  const weights = readQWeights(weightsPath);
  const weightMap = mapWeights(model, weights, modelPath);
  return { modelPath, weightsPath, bytes: applyWeights(model, weights, weightMap), weightMap, storedParams };
}

function countStoredParams(model: onnx.IModelProto): number {
  const graph = model.graph!;
  const floats = new Map<string, number>();
  for (const t of graph.initializer ?? []) {
    if (t.dataType === pb.TensorProto.DataType.FLOAT) floats.set(t.name!, (t.dims ?? []).reduce<number>((a, d) => a * Number(d), 1));
  }
  let total = [...floats.values()].reduce((a, b) => a + b, 0);
  for (const n of graph.node ?? []) if (n.opType === 'Identity' && floats.has(n.input![0])) total += floats.get(n.input![0])!;
  return total;
}

/**
 * Returns the serialized model with every mapped initializer holding the npz's dequantized values. A key
 * that torch had deduplicated into a shared initializer (entry.via) gets its own initializer again, replacing
 * the Identity node, so each npz tensor is used with exactly its own values. The input model is not modified.
 */
export function applyWeights(model: onnx.IModelProto, weights: QWeights, weightMap: WeightMapEntry[]): Uint8Array {
  const copy = pb.ModelProto.decode(pb.ModelProto.encode(model).finish());
  const graph = copy.graph as onnx.GraphProto; // decoded messages carry every repeated field (empty by default)
  const byName = new Map(graph.initializer.map((t) => [t.name, t]));
  for (const e of weightMap) {
    const src = weights.tensors.get(e.npzKey)!;
    const target = byName.get(e.initializer)!;
    const values = e.transposed ? transpose2d(src.dequantized, src.shape[0], src.shape[1]) : src.dequantized;
    const raw = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    if (e.via) {
      graph.node = graph.node.filter((n) => !(n.opType === 'Identity' && n.output?.[0] === e.via));
      graph.initializer.push(pb.TensorProto.create({ name: e.via, dims: target.dims, dataType: pb.TensorProto.DataType.FLOAT, rawData: raw }));
    } else {
      target.rawData = raw;
      target.floatData = [];
    }
  }
  return pb.ModelProto.encode(copy).finish();
}

function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/** One thread each: the machine is shared, and a single-threaded run is reproducible. */
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 1, interOpNumThreads: 1 };

async function createSession(bytes: Uint8Array, where: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(bytes, SESSION_OPTIONS);
  } catch (err) {
    throw new ReferenceModelError(`${where}: onnxruntime cannot load the model: ${(err as Error).message}`);
  }
}

export interface RunOptions {
  /** Windows per onnxruntime call (bounds memory); default 64. */
  batchSize?: number;
  /** Called after each batch with the number of windows done so far. */
  onProgress?: (done: number, total: number) => void;
  /** Names the model in error messages. */
  where?: string;
}

/** Runs the model's first input -> first output over all N windows of X, in batches. */
export async function runReference(modelBytes: Uint8Array, X: FloatTensor, opts: RunOptions = {}): Promise<FloatTensor> {
  const where = opts.where ?? 'reference model';
  const session = await createSession(modelBytes, where);
  try {
    const n = X.dims[0];
    const per = X.data.length / Math.max(n, 1);
    const batch = Math.max(1, opts.batchSize ?? 64);
    let out: Float32Array | null = null;
    let outDims: number[] = [];
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      const input = new ort.Tensor('float32', X.data.subarray(start * per, (start + count) * per), [count, ...X.dims.slice(1)]);
      const result = await runSession(session, { [session.inputNames[0]]: input }, [session.outputNames[0]], where);
      const y = result[session.outputNames[0]];
      if (y.type !== 'float32') throw new ReferenceModelError(`${where}: output ${session.outputNames[0]} is ${y.type}, expected float32`);
      const outPer = y.data.length / count;
      if (out === null) {
        out = new Float32Array(n * outPer);
        outDims = [n, ...y.dims.slice(1)];
      }
      out.set(y.data as Float32Array, start * outPer);
      opts.onProgress?.(start + count, n);
    }
    return { dims: n === 0 ? [0] : outDims, data: out ?? new Float32Array(0) };
  } finally {
    await session.release();
  }
}

/**
 * Runs the model once on exactly the input given and returns the named tensors: graph outputs, the graph
 * input (returned as given) and any intermediate tensor produced by a node, which is added as an extra
 * graph output (without type or shape: onnxruntime infers them). Tensors are returned as onnxruntime
 * produced them, so their layout is the graph's own (the batch is not always dim 0 inside attention);
 * to bound memory over a large set, call it on slices of X and combine statistics per slice.
 * Unknown names, and initializers (constants, not activations), are an error naming the tensor.
 */
export async function runWithIntermediates(
  modelBytes: Uint8Array,
  X: FloatTensor,
  tensorNames: string[],
  opts: { where?: string } = {},
): Promise<Map<string, FetchedTensor>> {
  const where = opts.where ?? 'reference model';
  const model = pb.ModelProto.decode(modelBytes);
  const graph = model.graph as onnx.GraphProto;
  const inputName = graph.input[0].name;
  const produced = new Set(graph.node.flatMap((n) => n.output));
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const outputs = new Set(graph.output.map((o) => o.name));
  const fetch: string[] = [];
  for (const name of new Set(tensorNames)) {
    if (name === inputName) continue;
    if (!produced.has(name)) {
      const why = initializers.has(name) ? 'it is an initializer (a constant), not an activation' : 'no node produces it';
      throw new ReferenceModelError(`${where}: cannot expose tensor ${name}: ${why}`);
    }
    fetch.push(name);
    if (!outputs.has(name)) graph.output.push(pb.ValueInfoProto.create({ name }));
  }
  const session = await createSession(pb.ModelProto.encode(model).finish(), where);
  try {
    const input = new ort.Tensor('float32', X.data, X.dims);
    const result = fetch.length > 0 ? await runSession(session, { [session.inputNames[0]]: input }, fetch, where) : {};
    const out = new Map<string, FetchedTensor>();
    for (const name of tensorNames) {
      if (name === inputName) out.set(name, { type: 'float32', dims: [...X.dims], data: X.data });
      else out.set(name, { type: result[name].type, dims: [...result[name].dims], data: result[name].data });
    }
    return out;
  } finally {
    await session.release();
  }
}

async function runSession(
  session: ort.InferenceSession,
  feeds: Record<string, ort.Tensor>,
  fetches: string[],
  where: string,
): Promise<ort.InferenceSession.ReturnType> {
  try {
    return await session.run(feeds, fetches);
  } catch (err) {
    throw new ReferenceModelError(`${where}: onnxruntime run failed: ${(err as Error).message}`);
  }
}
