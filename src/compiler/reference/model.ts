// The reference model: the exported ONNX graph with its weight initializers replaced by the dequantized
// npz values (transposed back where torch exported a transposed copy), run on onnxruntime-node. It is the
// independent oracle every integer result is compared with, and the compiler's calibration runs it with
// intermediate tensors exposed (runWithIntermediates).
import * as ort from 'onnxruntime-node';
import type { onnx } from 'onnx-proto';
import { loadOnnx, onnxPb as pb } from '../onnx/load.ts';
import { readQWeights, type QWeights } from '../quant/qweights.ts';
import { mapWeights, type WeightMapEntry } from '../quant/weight-map.ts';
import { PoseEdgeError } from '../../errors.ts';

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
    throw new ReferenceModelError(`${where}: onnxruntime cannot load the model: ${explainLoadError((err as Error).message)}`);
  }
}

/**
 * onnxruntime's messages carry C++ source locations, function signatures and the failed condition of an
 * assertion; keep what a user can act on, on one line.
 */
export function cleanOrtMessage(message: string): string {
  let m = message.replace(/\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/g, '').trim();
  // "/onnxruntime_src/.../x.h:46 void onnxruntime::f(const T&, int) the message": drop location and signature.
  const loc = /^\S*onnxruntime\S*\.(?:h|cc|cpp|c):\d+\s+/.exec(m);
  if (loc) {
    const open = m.indexOf('(', loc[0].length);
    let depth = 0;
    for (let i = open; open >= 0 && i < m.length; i++) {
      if (m[i] === '(') depth++;
      else if (m[i] === ')' && --depth === 0) {
        m = m.slice(i + 1).replace(/^\s*const\b/, '').trim();
        break;
      }
    }
  }
  // "size != 0 && (a % b) == 0 was false. The input tensor cannot be ...": the sentence after the condition.
  m = m.replace(/^[^.]*\bwas false\.\s*(?=\S)/, '');
  m = m.replace(/\s+/g, ' ').trim();
  return m.length > 300 ? `${m.slice(0, 297)}...` : m;
}

/** What an onnxruntime load failure means for the user, in one clause. */
export function explainLoadError(message: string): string {
  const noOp = /No Op registered for (\S+) with domain_version of (\d+)/.exec(message);
  if (noOp) {
    const node = /In Node, \("([^"]*)", [^,]*, "([^"]*)"/.exec(message);
    const domain = node?.[2] ? ` in domain '${node[2]}'` : '';
    return `node '${node?.[1] ?? '?'}' uses op ${noOp[1]}${domain}, which does not exist at opset ${noOp[2]} (unsupported op, or an opset too old for it)`;
  }
  const opset = /Opset (\d+) is under development[\s\S]*?till opset (\d+)/.exec(message);
  if (opset) return `the model is stamped with opset ${opset[1]}, onnxruntime supports the ai.onnx domain up to opset ${opset[2]} (export with a lower opset_version)`;
  const ir = /Unsupported model IR version: (\d+), max supported IR version: (\d+)/.exec(message);
  if (ir) return `the model's IR version ${ir[1]} is newer than this onnxruntime reads (up to ${ir[2]}; export with an older onnx package)`;
  const kernel = /Could not find an implementation for (\S+)\((\d+)\) node with name '([^']*)'/.exec(message);
  if (kernel) return `node '${kernel[3]}' uses op ${kernel[1]} (opset ${kernel[2]}) with input types onnxruntime has no kernel for`;
  const type = /Type \(([^)]*)\) of input parameter \(([^)]*)\) of operator \(([^)]*)\) in node \(([^)]*)\) is invalid/.exec(message);
  if (type) return `node '${type[4]}' (${type[3]}) gets input '${type[2]}' of type ${type[1]}, which ${type[3]} does not accept`;
  if (/protobuf parsing failed/i.test(message)) return 'not a valid ONNX file (protobuf parsing failed)';
  return cleanOrtMessage(message);
}

/** What an onnxruntime run failure means for the user, in one clause; `data` names what was fed. */
export function explainRunError(message: string, data: string): string {
  const node = /Non-zero status code returned while running (\S+) node\. Name:'([^']*)' Status Message: ([\s\S]*)/.exec(message);
  if (node) return `node '${node[2]}' (${node[1]}) fails on ${data}: ${cleanOrtMessage(node[3])}`;
  if (/invalid dimensions for input|Invalid rank for input|Unexpected input data type|is missing in 'feeds'/.test(message)) {
    return `${data} do not fit the graph's input: ${cleanOrtMessage(message)}`;
  }
  return cleanOrtMessage(message);
}

const fmtShape = (dims: readonly (number | string)[]): string => `[${dims.map((d) => (typeof d === 'number' && d >= 0 ? d : typeof d === 'string' && d !== '' ? d : '?')).join(',')}]`;

/**
 * Refuses, before onnxruntime runs, a graph whose inputs do not take the data: pose-edge feeds exactly one
 * float32 tensor (the CSI windows [N,3,114,10]). A named or unknown dimension takes any size. Returns the
 * input's name.
 */
export function checkGraphInput(session: Pick<ort.InferenceSession, 'inputMetadata'>, dims: readonly number[], where: string, data: string): string {
  const meta = session.inputMetadata;
  const wanted = `${data}, float32 ${fmtShape(dims)}`;
  const describe = (m: ort.InferenceSession.ValueMetadata) => (m.isTensor ? `'${m.name}' ${m.type} ${fmtShape(m.shape)}` : `'${m.name}' (not a tensor)`);
  if (meta.length !== 1) {
    throw new ReferenceModelError(
      `${where}: the graph has ${meta.length === 0 ? 'no input' : `${meta.length} inputs (${meta.map(describe).join(', ')})`}; pose-edge feeds exactly one: ${wanted}`,
    );
  }
  const m = meta[0];
  if (!m.isTensor) throw new ReferenceModelError(`${where}: the graph's input '${m.name}' is not a tensor; pose-edge feeds ${wanted}`);
  if (m.type !== 'float32') throw new ReferenceModelError(`${where}: the graph's input '${m.name}' is ${m.type} ${fmtShape(m.shape)}; pose-edge feeds ${wanted}`);
  // An empty shape means onnxruntime knows none: nothing to compare (a real mismatch still fails at run).
  if (m.shape.length === 0) return m.name;
  if (m.shape.length !== dims.length) {
    throw new ReferenceModelError(`${where}: the graph's input '${m.name}' is float32 ${fmtShape(m.shape)} (rank ${m.shape.length}); pose-edge feeds ${wanted} (rank ${dims.length})`);
  }
  const bad = m.shape.findIndex((d, i) => typeof d === 'number' && d > 0 && d !== dims[i]);
  if (bad >= 0) {
    throw new ReferenceModelError(
      `${where}: the graph's input '${m.name}' is float32 ${fmtShape(m.shape)}; pose-edge feeds ${wanted} (dimension ${bad} is ${m.shape[bad]} in the graph, ${dims[bad]} in the data` +
        `${bad === 0 ? '; the graph has a fixed batch size: export it with a dynamic batch axis' : ''})`,
    );
  }
  return m.name;
}

export interface RunOptions {
  /** Windows per onnxruntime call (bounds memory); default 64. */
  batchSize?: number;
  /** Called after each batch with the number of windows done so far. */
  onProgress?: (done: number, total: number) => void;
  /** Names the model in error messages. */
  where?: string;
  /** Names what is fed to the model in error messages (e.g. "the windows of test_X.npy"); default "the data". */
  data?: string;
}

/** Runs the model's first input -> first output over all N windows of X, in batches. */
export async function runReference(modelBytes: Uint8Array, X: FloatTensor, opts: RunOptions = {}): Promise<FloatTensor> {
  const where = opts.where ?? 'reference model';
  const data = opts.data ?? 'the data';
  const session = await createSession(modelBytes, where);
  try {
    const inputName = checkGraphInput(session, X.dims, where, data);
    const n = X.dims[0];
    const per = X.data.length / Math.max(n, 1);
    const batch = Math.max(1, opts.batchSize ?? 64);
    let out: Float32Array | null = null;
    let outDims: number[] = [];
    for (let start = 0; start < n; start += batch) {
      const count = Math.min(batch, n - start);
      const input = new ort.Tensor('float32', X.data.subarray(start * per, (start + count) * per), [count, ...X.dims.slice(1)]);
      const result = await runSession(session, { [inputName]: input }, [session.outputNames[0]], where, data);
      const y = result[session.outputNames[0]];
      if (y.type !== 'float32') throw new ReferenceModelError(`${where}: output ${session.outputNames[0]} is ${y.type}, expected float32`);
      const outPer = y.data.length / count;
      checkFiniteOutput(y.data as Float32Array, outPer, start, where, data, session.outputNames[0]);
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
  opts: { where?: string; data?: string } = {},
): Promise<Map<string, FetchedTensor>> {
  const where = opts.where ?? 'reference model';
  const data = opts.data ?? 'the data';
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
    const inputName = checkGraphInput(session, X.dims, where, data);
    const input = new ort.Tensor('float32', X.data, X.dims);
    const result = fetch.length > 0 ? await runSession(session, { [inputName]: input }, fetch, where, data) : {};
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
  data: string,
): Promise<ort.InferenceSession.ReturnType> {
  try {
    return await session.run(feeds, fetches);
  } catch (err) {
    throw new ReferenceModelError(`${where}: onnxruntime run failed: ${explainRunError((err as Error).message, data)}`);
  }
}

/**
 * Inputs are finite (the data rule), but a graph can still overflow (e.g. amplitudes near the float32 limit
 * make the window's max - min infinite); a non-finite output would turn every metric into NaN, so it is an
 * error naming the sample.
 */
function checkFiniteOutput(y: Float32Array, per: number, first: number, where: string, data: string, output: string): void {
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v - v !== 0) {
      throw new ReferenceModelError(
        `${where}: output '${output}' of sample ${first + Math.floor(i / per)} of ${data} is ${v} (its inputs are finite: the graph overflows on them)`,
      );
    }
  }
}
